export { runStoreConformance, STORE_TESTS, type StoreTestName, type StoreFactory, type StoreInstance } from './store-suite.js';
export { runBusConformance, BUS_TESTS, type BusTestName, type BusFactory, type BusPair } from './bus-suite.js';
export {
  runTransportConformance,
  TRANSPORT_TESTS,
  type TransportTestName,
  type TransportFactory,
  type HubFactory,
  type TestHub,
  type Probe,
  type ProbeMessage,
} from './transport-suite.js';
export { planSuite, SKIP_MARK, type Selection, type PlannedTest } from './selection.js';
export { eventually } from './eventually.js';
