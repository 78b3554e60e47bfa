export { compileQuery } from "./compile.js";
export { disjunctionSides } from "./disjunction.js";
export { MAX_TERMS, parseQuery, type QueryNode } from "./parser.js";
