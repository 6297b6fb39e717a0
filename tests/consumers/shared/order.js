// Sample data of the consumer scenario (shared with consumers.test.mjs, which checks the result).
/** An order with a bad postal code (one validation issue at least). */
export const ORDER = {
  address: "1 rue de la Paix", city: "Paris", zipcode: "750", method: "email",
  owners: [{ firstname: "Jeanne", lastname: "Martin" }],
  invoice: { address: "2 place du Marché", city: "Lyon", zipcode: "69002", lastname: "NOTAIRES" },
};
