/**
 * Word lists for realistic Danish municipal HR data. The lists deliberately include what
 * breaks naive code: æøå, hyphenated and double surnames, apostrophes ("O'Neill"), periods
 * ("Jens Chr."), ampersands in unit names ("Løn & Personale") and commas ("..., Afsnit Ø").
 */
import type { Rng } from './random.js';

/** The line of business a unit belongs to; decides its names and the job titles of its staff. */
export type Domain = 'children' | 'elderly' | 'social' | 'jobs' | 'technical' | 'culture' | 'admin';

/** Forvaltninger in the order a small municipality gets them. */
// biome-ignore format: a word list reads better packed
export const DOMAINS: readonly Domain[] = [
  'children', 'elderly', 'technical', 'admin', 'social', 'jobs', 'culture',
];

// ---------------------------------------------------------------------------------------------
// People

// biome-ignore format: a word list reads better packed
export const FEMALE_GIVEN: readonly string[] = [
  'Anne', 'Kirsten', 'Mette', 'Hanne', 'Helle', 'Susanne', 'Lene', 'Maria', 'Marianne', 'Lone',
  'Camilla', 'Pia', 'Louise', 'Charlotte', 'Tina', 'Gitte', 'Bente', 'Karen', 'Inge', 'Signe',
  'Ida', 'Emma', 'Sofie', 'Freja', 'Cecilie', 'Julie', 'Mathilde', 'Nanna', 'Line', 'Søs', 'Åse',
  'Birgitte', 'Dorte', 'Else', 'Grethe', 'Jytte', 'Rikke', 'Trine', 'Tove', 'Ulla', 'Vibeke',
  'Aase', 'Bodil', 'Marie-Louise', 'Ann-Sofie', 'Sara', 'Laura', 'Amalie', 'Malene', 'Stine',
  'Mie', 'Astrid', 'Ingrid', 'Solveig', 'Bitten', 'Hjørdis', 'Sølvi', 'Fatima', 'Aisha', 'Leyla',
  'Zeynep', 'Mariam', 'Agnieszka', 'Joanna', 'Anne-Mette', 'Karin', 'Jette', 'Lis',
];

// biome-ignore format: a word list reads better packed
export const MALE_GIVEN: readonly string[] = [
  'Peter', 'Jens', 'Lars', 'Michael', 'Henrik', 'Søren', 'Thomas', 'Jan', 'Niels', 'Hans',
  'Anders', 'Morten', 'Jesper', 'Martin', 'Rasmus', 'Mads', 'Christian', 'Poul', 'Ole', 'Per',
  'Kim', 'Bjørn', 'Jørgen', 'Jørn', 'Kåre', 'Frederik', 'Magnus', 'Oliver', 'Emil', 'Mikkel',
  'Kasper', 'Nikolaj', 'Torben', 'Bent', 'Erik', 'Knud', 'Flemming', 'Preben', 'Steen', 'Villy',
  'Aksel', 'Ahmed', 'Mohammed', 'Ali', 'Mehmet', 'Piotr', 'Tomasz', 'Jens Chr.', 'Sø-Ren',
  'Hans-Henrik', 'Carl-Emil', 'Bo', 'Ib', 'Uffe', 'Øjvind', 'Åge', 'Asbjørn', 'Kristoffer',
];

/** Second given names; OPUS puts them in firstName ("Anne Marie", "Jens Peter"). */
export const FEMALE_MIDDLE: readonly string[] = ['Marie', 'Louise', 'Kristine', 'Margrethe', 'Sofie', 'K.'];
export const MALE_MIDDLE: readonly string[] = ['Peter', 'Erik', 'Christian', 'Kristian', 'Aage', 'Chr.'];

/** Surnames with a rough frequency weight: the -sen names dominate, as they do in Denmark. */
// biome-ignore format: a word list reads better packed
export const SURNAMES: readonly (readonly [string, number])[] = [
  ['Nielsen', 40], ['Jensen', 40], ['Hansen', 35], ['Pedersen', 30], ['Andersen', 30],
  ['Christensen', 25], ['Larsen', 25], ['Sørensen', 25], ['Rasmussen', 20], ['Jørgensen', 20],
  ['Petersen', 18], ['Madsen', 16], ['Kristensen', 16], ['Olsen', 14], ['Thomsen', 12],
  ['Christiansen', 10], ['Poulsen', 10], ['Johansen', 9], ['Møller', 9], ['Mortensen', 8],
  ['Knudsen', 7], ['Jakobsen', 7], ['Mikkelsen', 6], ['Østergaard', 5], ['Søndergaard', 5],
  ['Lauridsen', 4], ['Bøgh', 3], ['Kjærgaard', 4], ['Dalsgaard', 3], ['Vestergaard', 4],
  ['Nørgaard', 4], ['Bækgaard', 2], ['Damgaard', 3], ['Frølund', 2], ['Ærbø', 1], ['Åkjær', 1],
  ['Ågesen', 1], ['Lykke', 2], ['Brøndum', 1], ['Bødker', 2], ['Krøyer', 1], ['Holm', 4],
  ['Bach', 3], ['Juhl', 3], ['Skov', 3], ['Dahl', 3], ['Kjær', 3], ['Lund', 4], ['Friis', 3],
  ["O'Neill", 1], ["D'Souza", 1], ['McDonald', 1], ['Yilmaz', 2], ['Hussein', 2], ['Kowalski', 1],
  ['Nowak', 1], ['Nguyen', 2], ['Ali', 2], ['van der Berg', 1], ['Ødegård', 1],
];

const folded = new Map<string, string>();

/** Ascii-folds Danish letters and drops everything else: for user ids and e-mail addresses. */
export function asciiFold(text: string): string {
  // Names come from short lists: memoising makes this a map lookup.
  let out = folded.get(text);
  if (out === undefined) {
    out = fold(text);
    if (folded.size < 10_000) folded.set(text, out);
  }
  return out;
}

function fold(text: string): string {
  return text
    .toLowerCase()
    .replaceAll('æ', 'ae')
    .replaceAll('ø', 'oe')
    .replaceAll('å', 'aa')
    .normalize('NFD')
    .replace(/[^a-z]/g, '');
}

export function givenName(rng: Rng, female: boolean): string {
  const first = rng.pick(female ? FEMALE_GIVEN : MALE_GIVEN);
  // About one in six carries a second given name, as many Danes do.
  if (rng.chance(0.16)) return `${first} ${rng.pick(female ? FEMALE_MIDDLE : MALE_MIDDLE)}`;
  return first;
}

export function surname(rng: Rng): string {
  const one = rng.weighted(SURNAMES);
  const r = rng.next();
  // Double surnames: with a hyphen ("Holm-Jensen") or a space ("Bach Nielsen").
  if (r < 0.06) return `${rng.weighted(SURNAMES)}-${one}`;
  if (r < 0.1) return `${rng.weighted(SURNAMES)} ${one}`;
  return one;
}

// ---------------------------------------------------------------------------------------------
// Places

// biome-ignore format: a word list reads better packed
const TOWN_HEADS = [
  'Ry', 'Them', 'Kjell', 'Sør', 'Gjern', 'Lin', 'Ham', 'Bran', 'Hjort', 'Skær', 'Vester', 'Øster',
  'Nørre', 'Sønder', 'Å', 'Bjer', 'Ølst', 'Grund', 'Fære', 'Lem', 'Tør', 'Hald',
];
// biome-ignore format: a word list reads better packed
const TOWN_TAILS = [
  'by', 'rup', 'strup', 'lev', 'sted', 'bro', 'holm', 'bjerg', 'balle', 'skov', 'lund', 'høj',
  'købing', 'ager', 'vig', 'ring',
];

export function townName(rng: Rng): string {
  return rng.pick(TOWN_HEADS) + rng.pick(TOWN_TAILS);
}

// biome-ignore format: a word list reads better packed
export const STREETS: readonly string[] = [
  'Skovvej', 'Søndergade', 'Østergade', 'Vestergade', 'Nørregade', 'Kirkevej', 'Møllevej',
  'Skolevej', 'Ågade', 'Bøgevej', 'Hovedgaden', 'Torvet', 'Rådhustorvet', 'Stationsvej',
  'Åboulevarden', 'Ørnevej', 'Lærkevej', 'Engvej', 'Birkealle', 'Fabriksvej', 'Industrivej',
  'Kongensgade', 'Sct. Nicolai Gade', 'H.C. Andersens Vej', 'Gl. Landevej', 'Præstegårdsvej',
];

export function streetAddress(rng: Rng): string {
  const base = `${rng.pick(STREETS)} ${rng.int(1, 140)}`;
  const r = rng.next();
  if (r < 0.08) return `${base}${rng.pick(['A', 'B', 'C'])}`;
  if (r < 0.2) return `${base}, ${rng.int(1, 4)}. ${rng.pick(['th', 'tv', 'mf'])}`;
  return base;
}

// biome-ignore format: a word list reads better packed
const PLACE_HEADS = [
  'Skov', 'Sø', 'Lyng', 'Bøge', 'Ege', 'Birke', 'Hede', 'Mølle', 'Kirke', 'Strand', 'Eng', 'Bakke',
  'Ås', 'Sol', 'Ørne', 'Rosen', 'Lærke', 'Fjord', 'Ådals', 'Kilde', 'Tjørne', 'Æble', 'Hylde',
  'Kløver', 'Granly', 'Rønne', 'Ravns',
];
// biome-ignore format: a word list reads better packed
const PLACE_TAILS = [
  'brynet', 'gården', 'højen', 'vangen', 'huset', 'lunden', 'toften', 'parken', 'dalen', 'bakken',
  'haven', 'ly', 'hjemmet', 'engen',
];

/** A made-up local place name: "Skovbrynet", "Lærkehøjen", "Ådalshuset". */
export function placeName(rng: Rng): string {
  return rng.pick(PLACE_HEADS) + rng.pick(PLACE_TAILS);
}

// biome-ignore format: a word list reads better packed
const PET_NAMES = [
  'Mælkebøtten', 'Solsikken', 'Valmuen', 'Mariehønen', 'Humlebien', 'Troldehøjen', 'Spiren',
  'Regnbuen', 'Myretuen', 'Egernet', 'Krudtuglen', 'Søstjernen',
];
const COMPASS = ['Nord', 'Syd', 'Øst', 'Vest', 'Midt'];
const COLOURS = ['Rød', 'Blå', 'Grøn', 'Gul', 'Orange', 'Lilla'];

// ---------------------------------------------------------------------------------------------
// Units

/** OPUS orgType code and text per depth (root = 1). */
export const ORG_TYPES: readonly { code: string; text: string }[] = [
  { code: '00000', text: 'Kommune' },
  { code: '00010', text: 'Forvaltning' },
  { code: '00020', text: 'Område' },
  { code: '00030', text: 'Institution' },
  { code: '00040', text: 'Afdeling' },
  { code: '00050', text: 'Team' },
  { code: '00060', text: 'Gruppe' },
];

export const orgTypeFor = (level: number): { code: string; text: string } =>
  ORG_TYPES[Math.min(Math.max(level, 1), ORG_TYPES.length) - 1]!;

const FORVALTNINGER: Record<Domain, string> = {
  children: 'Børne- og Ungeforvaltningen',
  elderly: 'Sundheds- og Omsorgsforvaltningen',
  social: 'Social- og Handicapforvaltningen',
  jobs: 'Beskæftigelsesforvaltningen',
  technical: 'Teknik- og Miljøforvaltningen',
  culture: 'Kultur- og Fritidsforvaltningen',
  admin: 'Økonomi & Personale',
};

const AREAS: Record<Domain, readonly string[]> = {
  children: ['Dagtilbud', 'Skoler', 'Familie og Forebyggelse', 'PPR', 'Sundhedsplejen', 'Ungdomsskolen'],
  elderly: ['Ældreområdet', 'Hjemmeplejen', 'Plejecentre', 'Sygepleje', 'Træning og Rehabilitering'],
  social: ['Handicap og Psykiatri', 'Bo- og Aktivitetstilbud', 'Myndighed', 'Socialpsykiatrien'],
  jobs: ['Jobcenter', 'Ydelse', 'Integration', 'Unge og Uddannelse'],
  technical: ['Vej og Park', 'Byg og Miljø', 'Plan og Udvikling', 'Forsyning', 'Ejendomme'],
  culture: ['Biblioteker', 'Musikskolen', 'Idræt og Fritid', 'Kultur og Events'],
  admin: ['Løn & Personale', 'Økonomi', 'IT og Digitalisering', 'Borgerservice', 'Jura og Indkøb'],
};

type Template = (rng: Rng, town: string) => string;

const INSTITUTIONS: Record<Domain, readonly Template[]> = {
  children: [
    (r) => `${placeName(r)}s Skole`,
    (r) => `${placeName(r)}skolen`,
    (r) => `Børnehaven ${r.pick(PET_NAMES)}`,
    (r) => `Børnehuset ${placeName(r)}`,
    (r) => `Vuggestuen ${r.pick(PET_NAMES)}`,
    (_r, town) => `Dagplejen ${town}`,
    (r) => `SFO ${placeName(r)}`,
  ],
  elderly: [
    (r) => `${placeName(r)} Plejecenter`,
    (r) => `Plejecenter ${placeName(r)}`,
    (r) => `Hjemmeplejen ${r.pick(COMPASS)}`,
    (r) => `Aktivitetscenter ${placeName(r)}`,
    (r) => `Sygeplejen ${r.pick(COMPASS)}`,
  ],
  social: [
    (r) => `Bostedet ${placeName(r)}`,
    (r) => `Botilbud ${placeName(r)}`,
    (r) => `Værestedet ${placeName(r)}`,
    (_r, town) => `Handicapcenter ${town}`,
  ],
  jobs: [
    (_r, town) => `Jobcenter ${town}`,
    () => 'Ydelseskontoret',
    () => 'Integrationsteamet',
    (r) => `Virksomhedsservice ${r.pick(COMPASS)}`,
  ],
  technical: [
    (r) => `Vej & Park ${r.pick(COMPASS)}`,
    () => 'Materielgården',
    () => 'Byggesag',
    () => 'Natur & Miljø',
    () => 'Affald & Genbrug',
    (_r, town) => `Rensningsanlæg ${town}`,
  ],
  culture: [
    (_r, town) => `${town} Bibliotek`,
    () => 'Musikskolen',
    (_r, town) => `${town} Idrætscenter`,
    (r) => `Kulturhuset ${placeName(r)}`,
    (_r, town) => `${town} Svømmehal`,
  ],
  admin: [
    (_r, town) => `Borgerservice ${town}`,
    () => 'Lønservice',
    () => 'IT-drift',
    () => 'Regnskab',
    () => 'HR & Arbejdsmiljø',
    () => 'Sekretariatet',
  ],
};

/** Departments (level 5), chosen by what kind of institution the parent is. */
function departmentName(rng: Rng, parentName: string): string {
  if (/skole/i.test(parentName)) {
    return rng.pick(['Indskoling', 'Mellemtrin', 'Udskoling', 'SFO', 'Specialklasser', 'Administration']);
  }
  if (/plejecenter/i.test(parentName)) {
    // "Skovbrynet Plejecenter, Afsnit Ø": OPUS long names often repeat the institution.
    return `${parentName}, Afsnit ${rng.pick(['A', 'B', 'C', 'Ø', 'Nord', 'Syd', 'Demens'])}`;
  }
  if (/børne|vuggestue|dagpleje/i.test(parentName)) {
    return rng.pick(['Vuggestue', 'Børnehave', 'Køkken', 'Dagplejere ' + rng.pick(COMPASS)]);
  }
  if (/hjemmepleje|sygepleje/i.test(parentName)) return `Distrikt ${rng.pick(COMPASS)}`;
  return rng.pick(['Administration', 'Sekretariat', 'Drift', 'Udvikling', 'Afdeling ' + rng.pick(COMPASS)]);
}

/**
 * A unit's long name for its depth and domain. Sibling clashes are resolved by the caller,
 * which knows the siblings.
 */
export function unitName(rng: Rng, domain: Domain, level: number, parentName: string, town: string): string {
  switch (level) {
    case 1:
      return `${town} Kommune`;
    case 2:
      return FORVALTNINGER[domain];
    case 3: {
      const area = rng.pick(AREAS[domain]);
      return rng.chance(0.4) ? `${area} ${rng.pick([...COMPASS, town])}` : area;
    }
    case 4:
      return rng.pick(INSTITUTIONS[domain])(rng, town);
    case 5:
      return departmentName(rng, parentName);
    case 6:
      return rng.chance(0.5)
        ? `Team ${rng.int(1, 9)}`
        : `Team ${rng.pick(['Dag', 'Aften', 'Nat', 'Weekend', ...COLOURS, ...COMPASS])}`;
    default:
      return rng.chance(0.5) ? `${rng.pick(COLOURS)} stue` : `Gruppe ${rng.int(1, 12)}`;
  }
}

/** OPUS short names are terse codes: "BUF", "SKOVB.PL", "TEAM 3". */
export function shortNameOf(longName: string): string {
  const words = longName
    .toUpperCase()
    .split(/[\s,&-]+/)
    .filter((w) => w.length > 0 && !['OG', 'I', 'AF'].includes(w));
  if (words.length === 0) return 'ENHED';
  const head = words[0]!.slice(0, 5);
  const rest = words
    .slice(1)
    .map((w) => (/^\d+$/.test(w) ? w : w[0]))
    .join('');
  return (rest ? `${head}.${rest}` : head).slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Jobs

export interface JobTitle {
  positionId: string;
  position: string;
  positionShort: string;
  weight: number;
  /** Trainees get the "Elev" contract. */
  trainee?: boolean;
}

const t = (positionId: string, position: string, positionShort: string, weight: number, trainee = false) => ({
  positionId,
  position,
  positionShort,
  weight,
  ...(trainee ? { trainee } : {}),
});

/** Staff titles per domain; positionId is the OPUS stillingskode. */
export const TITLES: Record<Domain, readonly JobTitle[]> = {
  children: [
    t('5031', 'Pædagog', 'PÆD', 30),
    t('5032', 'Pædagogmedhjælper', 'PÆDMH', 12),
    t('5035', 'Pædagogisk assistent', 'PA', 6),
    t('5101', 'Lærer', 'LÆR', 30),
    t('5102', 'Børnehaveklasseleder', 'BHKL', 3),
    t('5120', 'Skolesekretær', 'SKSEK', 2),
    t('5040', 'Dagplejer', 'DAGPL', 8),
    t('5130', 'Psykolog', 'PSYK', 1),
    t('5140', 'Sundhedsplejerske', 'SUNDPL', 1),
    t('5036', 'PAU-elev', 'PAUEL', 1, true),
  ],
  elderly: [
    t('6101', 'Social- og sundhedsassistent', 'SOSU-A', 30),
    t('6102', 'Social- og sundhedshjælper', 'SOSU-H', 25),
    t('6110', 'Sygeplejerske', 'SYGPL', 12),
    t('6120', 'Ergoterapeut', 'ERGO', 4),
    t('6121', 'Fysioterapeut', 'FYS', 4),
    t('6130', 'Køkkenassistent', 'KØKASS', 3),
    t('6131', 'Ernæringsassistent', 'ERNASS', 2),
    t('6105', 'Social- og sundhedsassistentelev', 'SOSU-EL', 3, true),
  ],
  social: [
    t('6201', 'Socialpædagog', 'SOCPÆD', 25),
    t('6202', 'Omsorgsmedhjælper', 'OMSMH', 10),
    t('6210', 'Socialrådgiver', 'SOCRÅD', 8),
    t('6101', 'Social- og sundhedsassistent', 'SOSU-A', 5),
  ],
  jobs: [
    t('7101', 'Jobkonsulent', 'JOBKONS', 10),
    t('6210', 'Socialrådgiver', 'SOCRÅD', 8),
    t('7102', 'Sagsbehandler', 'SAGSB', 8),
    t('7001', 'Fuldmægtig', 'FULDM', 5),
  ],
  technical: [
    t('8101', 'Ingeniør', 'ING', 5),
    t('8102', 'Arkitekt', 'ARK', 2),
    t('8103', 'Landinspektør', 'LANDINSP', 1),
    t('8110', 'Vejmand', 'VEJM', 8),
    t('8111', 'Gartner', 'GART', 6),
    t('8112', 'Håndværker', 'HÅNDV', 5),
    t('8113', 'Chauffør', 'CHAUF', 3),
    t('8120', 'Miljømedarbejder', 'MILJØ', 3),
    t('8121', 'Teknisk assistent', 'TEKASS', 3),
  ],
  culture: [
    t('9101', 'Bibliotekar', 'BIBL', 8),
    t('9102', 'Kulturformidler', 'KULTF', 3),
    t('9103', 'Musikskolelærer', 'MUSLÆR', 6),
    t('9110', 'Idrætsmedarbejder', 'IDRÆT', 4),
    t('9111', 'Livredder', 'LIVR', 3),
  ],
  admin: [
    t('7001', 'Fuldmægtig', 'FULDM', 20),
    t('7002', 'Specialkonsulent', 'SPECK', 10),
    t('7003', 'Konsulent', 'KONS', 10),
    t('7004', 'Kontorelev', 'KONTEL', 2, true),
    t('7010', 'IT-supporter', 'ITSUP', 4),
    t('7011', 'Jurist', 'JUR', 3),
    t('7012', 'Lønkonsulent', 'LØNK', 4),
    t('7013', 'HR-konsulent', 'HRK', 3),
    t('7014', 'Økonomimedarbejder', 'ØKMED', 6),
  ],
};

/** Titles found everywhere: cleaning, caretakers, office staff. */
export const COMMON_TITLES: readonly JobTitle[] = [
  t('4001', 'Rengøringsassistent', 'RENG', 4),
  t('4002', 'Servicemedarbejder', 'SERVM', 3),
  t('4003', 'Administrativ medarbejder', 'ADMMED', 4),
  t('4004', 'Pedel', 'PEDEL', 1),
];

/** Manager titles by depth (root = 1). */
const MANAGER_TITLES: readonly JobTitle[] = [
  t('1001', 'Kommunaldirektør', 'KOMDIR', 1),
  t('1002', 'Direktør', 'DIR', 1),
  t('1003', 'Chef', 'CHEF', 1),
  t('1004', 'Leder', 'LEDER', 1),
  t('1005', 'Afdelingsleder', 'AFDLED', 1),
  t('1006', 'Teamleder', 'TEAMLED', 1),
  t('1006', 'Teamleder', 'TEAMLED', 1),
];

export function managerTitle(level: number, unitName: string): JobTitle {
  if (level === 4 && /skole/i.test(unitName)) return t('1010', 'Skoleleder', 'SKOLED', 1);
  if (level === 4 && /plejecenter/i.test(unitName)) return t('1011', 'Centerleder', 'CENTLED', 1);
  return MANAGER_TITLES[Math.min(Math.max(level, 1), MANAGER_TITLES.length) - 1]!;
}

// ---------------------------------------------------------------------------------------------
// Contracts

export interface Contract {
  code: string;
  text: string;
}

export const CONTRACTS = {
  monthly: { code: '01', text: 'Månedslønnet' },
  hourly: { code: '02', text: 'Timelønnet' },
  civilServant: { code: '03', text: 'Tjenestemand' },
  trainee: { code: '05', text: 'Elev' },
  flexJob: { code: '07', text: 'Fleksjob' },
} as const satisfies Record<string, Contract>;
