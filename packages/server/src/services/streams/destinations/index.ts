import { datadogDriver } from "./datadog.js";
import { splunkHecDriver } from "./splunk-hec.js";
import type { Destination, DestinationDriver } from "./types.js";
import { webhookDriver } from "./webhook.js";

export type * from "./types.js";

const DRIVERS: Record<Destination["type"], DestinationDriver> = {
  webhook: webhookDriver,
  splunk_hec: splunkHecDriver,
  datadog: datadogDriver,
};

export function driverFor(type: string): DestinationDriver {
  const driver = DRIVERS[type as Destination["type"]];
  if (!driver) throw new Error(`unknown destination type ${type}`);
  return driver;
}
