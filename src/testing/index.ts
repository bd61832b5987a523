export { createTcfCmp, type FakeTcfCmp, type FakeTcfCmpOptions, type TcfChoice } from './tcf';
export { createGppCmp, type FakeGppCmp, type FakeGppCmpOptions, type GppSection, type GppState } from './gpp';
