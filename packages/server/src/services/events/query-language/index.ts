export { compileQuery } from "./compile.js";
export { MAX_TERMS, parseQuery, type QueryNode } from "./parser.js";
