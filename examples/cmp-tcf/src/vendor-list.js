// A trimmed Global Vendor List: TCF v2.2's purposes and no vendors, enough for a publisher's own
// measurement. A production CMP loads the current GVL (from its own cached copy of the IAB's
// vendor-list.json) and lists every vendor it discloses.
const names = [
  'Store and/or access information on a device',
  'Use limited data to select advertising',
  'Create profiles for personalised advertising',
  'Use profiles to select personalised advertising',
  'Create profiles to personalise content',
  'Use profiles to select personalised content',
  'Measure advertising performance',
  'Measure content performance',
  'Understand audiences through statistics or combinations of data from different sources',
  'Develop and improve services',
  'Use limited data to select content',
];
const purposes = Object.fromEntries(names.map((name, i) => [i + 1, { id: i + 1, name, description: name, illustrations: [] }]));

export default {
  gvlSpecificationVersion: 3,
  vendorListVersion: 1,
  tcfPolicyVersion: 5,
  lastUpdated: '2025-01-01T00:00:00Z',
  purposes,
  specialPurposes: {},
  features: {},
  specialFeatures: {},
  stacks: {},
  dataCategories: {},
  vendors: {},
};
