// Node consumers' entry: runs the scenario against the fake URL given as argument, prints JSON.
import { scenario } from "./scenario.js";

scenario(process.argv[2]).then(
  (result) => console.log(JSON.stringify(result)),
  (err) => {
    console.log(JSON.stringify({ error: String(err), stack: String(err?.stack) }));
    process.exitCode = 1;
  },
);
