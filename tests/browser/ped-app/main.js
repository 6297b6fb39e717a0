// Bundled by Vite: "passerelle" resolves through its `browser` export condition, which loads
// the WebAssembly module at import time (no init call).
import * as passerelle from "passerelle";
import { publish } from "../ped-page.js";

publish(passerelle);
