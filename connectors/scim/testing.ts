/** The mapping the SCIM tests sync: core and enterprise attributes, a typed e-mail, the manager. */
import { ENTERPRISE } from '../../test/support/scim-server.js';

export const SCIM_TEST_MAPPING = {
  unit: { attributes: { displayName: '${unit.name}' } },
  person: {
    attributes: {
      userName: '${person.userId | lower}',
      displayName: '${person.givenName} ${person.surname}',
      'name.givenName': '${person.givenName}',
      'name.familyName': '${person.surname}',
      'emails.work': '${person.email | lower}',
      title: '${position.title}',
      [`${ENTERPRISE}:department`]: '${unit.name}',
      [`${ENTERPRISE}:costCenter`]: '${unit.costCentre}',
      [`${ENTERPRISE}:employeeNumber`]: '${person.userId}',
      [`${ENTERPRISE}:manager`]: '${manager.key}',
    },
  },
};
