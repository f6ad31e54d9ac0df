/**
 * Writes a synthetic OPUS export of a given size, shaped like a real one (about 1 kB per
 * employee), for scale tests and for timing the parser:
 *
 *   npx tsx connectors/opus-xml/test/generate.ts 100000 /tmp/ZLPE20240301053000_delta.xml
 *
 * CPR numbers use day 99 so that none can belong to a real person.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export interface GeneratedCounts {
  units: number;
  employees: number;
  /** Distinct CPR numbers: every tenth person has a second employment. */
  persons: number;
}

export async function writeOpusExport(file: string, employees: number): Promise<GeneratedCounts> {
  const units = Math.max(1, Math.ceil(employees / 25));
  const out = createWriteStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('<?xml version="1.0" encoding="UTF-8"?>\n<kmd>\n');
  for (let u = 1; u <= units; u++) await write(orgUnit(u));
  let persons = 0;
  for (let e = 0; e < employees; e++) {
    // Every tenth employment belongs to the person of the one before it.
    const person = e % 10 === 9 ? persons - 1 : persons++;
    await write(employee(100000 + e, person, 1 + (e % units)));
  }
  await write('</kmd>\n');
  out.end();
  await once(out, 'finish');
  return { units, employees, persons };
}

function orgUnit(id: number): string {
  const parent = id === 1 ? '<parentOrgUnit/>' : `<parentOrgUnit>${Math.floor(id / 2)}</parentOrgUnit>`;
  return ` <orgUnit id="${id}" client="813" lastChanged="2024-02-01">
  <startDate>2001-01-01</startDate>
  <endDate>9999-12-31</endDate>
  ${parent}
  <shortName>E${id}</shortName>
  <longName>Enhed ${id} – Børn &amp; Unge</longName>
  <street>Vestergade ${id}</street>
  <zipCode>8000</zipCode>
  <city>Århus C</city>
  <phoneNumber/>
  <cvrNr>29189498</cvrNr>
  <eanNr>57980000${String(id).padStart(5, '0')}</eanNr>
  <seNr/>
  <pNr>1003388101</pNr>
  <costCenter>${1000 + id}</costCenter>
  <orgType>00200</orgType>
  <orgTypeTxt>Afdeling</orgTypeTxt>
 </orgUnit>
`;
}

function employee(id: number, person: number, unit: number): string {
  const cpr = `99${String(person % 100).padStart(2, '0')}${String(person).padStart(6, '0')}`;
  return ` <employee id="${id}" client="813" lastChanged="2024-02-20">
  <entryDate>2010-08-01</entryDate>
  <leaveDate>9999-12-31</leaveDate>
  <cpr suppId="0">${cpr}</cpr>
  <firstName>Søren ${person}</firstName>
  <lastName>Østergård-Åberg</lastName>
  <address>Søndergade ${person % 300}</address>
  <postalCode>8000</postalCode>
  <city>Århus C</city>
  <country>DK</country>
  <email>p${person}@kommune.example</email>
  <userId>U${person}</userId>
  <workPhone>87 65 43 21</workPhone>
  <workContract>01</workContract>
  <workContractText>Månedslønnet</workContractText>
  <positionId>${3000 + (id % 50)}</positionId>
  <position>Pædagog</position>
  <positionShort>PÆD</positionShort>
  <isManager>${id % 25 === 0 ? 'true' : 'false'}</isManager>
  <superiorLevel/>
  <subordinateLevel/>
  <orgUnit>${unit}</orgUnit>
  <payGradeText>Løntrin 31</payGradeText>
  <numerator>37.00   </numerator>
  <denominator>37.00   </denominator>
 </employee>
`;
}

// Run as a script: generate.ts <employees> <file>
if (process.argv[1]?.endsWith('generate.ts')) {
  const [n = '100000', file = 'ZLPE20240301053000_delta.xml'] = process.argv.slice(2);
  const counts = await writeOpusExport(file, Number(n));
  console.log(JSON.stringify({ file, ...counts }));
}
