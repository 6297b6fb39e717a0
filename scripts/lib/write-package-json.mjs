// Usage: node write-package-json.mjs <template package.json> <Cargo.toml> <output>
// Copies the npm package.json template, filling `version` and `description` from the crate's
// [package] section so the two never drift apart.
import { readFileSync, writeFileSync } from "node:fs";

const [template, cargoToml, out] = process.argv.slice(2);
const pkg = JSON.parse(readFileSync(template, "utf8"));
const cargo = readFileSync(cargoToml, "utf8");
const section = cargo.split(/^\[/m).find((s) => s.startsWith("package]")) ?? "";
const field = (name) => {
  const m = section.match(new RegExp(`^${name}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`, "m"));
  return m ? JSON.parse(`"${m[1]}"`) : undefined;
};
pkg.version = field("version") ?? pkg.version;
pkg.description = field("description") ?? pkg.description;
writeFileSync(out, JSON.stringify(pkg, null, 2) + "\n");
