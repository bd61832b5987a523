// `heed/testing`: spec-following fakes of the IAB CMP APIs (`__tcfapi`, `__gpp`), to test how an
// app wires heed's consent sources without a real CMP.
export * from '../testing';
