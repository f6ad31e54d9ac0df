/**
 * The mapping the tests and the benchmark give the FK target: every attribute the connector
 * takes that the generated municipality fills (units' addresses, users' CPR and addresses,
 * positions with their manager flag).
 */
export const FK_TEST_OBJECTS = {
  unit: {
    attributes: { name: '${unit.name}', email: '${unit.email}', phone: '${unit.phone}', ean: '${unit.ean}' },
  },
  person: {
    attributes: {
      name: '${person.givenName} ${person.surname}',
      userKey: '${person.userId}',
      cpr: '${person.cpr}',
      email: '${person.email}',
      phone: '${person.phone}',
    },
  },
  position: {
    attributes: { title: '${position.title}', person: '${person.key}', manager: '${position.manager}' },
  },
};
