// TypeScript consumers' entry: uses the three entries' types, then runs the (JavaScript) scenario.
import { EchangeClient, PasserelleError, type DirEntry, type ErrorCode } from "passerelle";
import * as echange from "passerelle/echange";
import { validateOrder, documentTypeLabel, type ValidationIssue } from "passerelle/pre-etat-date";
import { scenario } from "./scenario.js";

const make = (baseUrl: string): echange.EchangeClient =>
  new echange.EchangeClient({ baseUrl, username: "u", password: "p", timeoutMs: 1000 });
const typed = async (client: EchangeClient): Promise<DirEntry[]> => client.listDir("/");
const code = (err: unknown): ErrorCode | undefined => (err instanceof PasserelleError ? err.code : undefined);
const issues: ValidationIssue[] = validateOrder({
  address: "1 rue de la Paix", city: "Paris", zipcode: "75002", owners: [],
  invoice: { address: "1 rue de la Paix", city: "Paris", zipcode: "75002", lastname: "NOTAIRES" }, method: "email",
});
const label: string = documentTypeLabel(2, "en");

void [make, typed, code, issues, label];
scenario(process.argv[2]).then(
  (result) => console.log(JSON.stringify(result)),
  (err: unknown) => {
    console.log(JSON.stringify({ error: String(err) }));
    process.exitCode = 1;
  },
);
