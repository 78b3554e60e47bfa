import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const revoked = await chronicle.viewerTokens.revoke("vtk_01KMX5B2C3D4E5F6G7H8J9K0M1");
console.log(revoked);
