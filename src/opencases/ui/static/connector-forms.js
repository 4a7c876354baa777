// The connector types' forms: each case type's config, secrets and test run, as fields.

// Each field of a type's form: `kind` text (default), url, secret, checkbox, select, textarea or
// json (an object, parsed); `when(state)` shows it only for some settings of the form's
// checkboxes; empty optional fields are left out (the API refuses blank strings).
export const SERVICENOW = {
  config: [
    { key: 'apiUrl', label: 'ServiceNow instance URL', kind: 'url', required: true, hint: 'https://<instance>.service-now.com' },
    { key: 'usesTableApi', label: 'Use the Table API (deprecated: without the Elastic ServiceNow application)', kind: 'checkbox', initial: false },
    { key: 'isOAuth', label: 'Authenticate with OAuth (JWT)', kind: 'checkbox', initial: false },
    { key: 'clientId', label: 'Client ID', required: true, when: (state) => state.isOAuth },
    { key: 'userIdentifierValue', label: 'User identifier', required: true, when: (state) => state.isOAuth },
    { key: 'jwtKeyId', label: 'JWT verifier key ID', required: true, when: (state) => state.isOAuth },
  ],
  secrets: [
    { key: 'username', label: 'Username', required: true, when: (state) => !state.isOAuth },
    { key: 'password', label: 'Password', kind: 'secret', required: true, when: (state) => !state.isOAuth },
    { key: 'clientSecret', label: 'Client secret', kind: 'secret', required: true, when: (state) => state.isOAuth },
    { key: 'privateKey', label: 'Private key (PEM)', kind: 'textarea', required: true, when: (state) => state.isOAuth },
    { key: 'privateKeyPassword', label: 'Private key password', kind: 'secret', when: (state) => state.isOAuth },
  ],
  test: { subAction: 'getFields', subActionParams: {} },
};

export const TEST_CASE = 'A test case from OpenCases';
export const FORMS = {
  '.servicenow': SERVICENOW,
  '.servicenow-sir': SERVICENOW,
  '.jira': {
    config: [
      { key: 'apiUrl', label: 'Jira URL', kind: 'url', required: true, hint: 'https://<your-site>.atlassian.net' },
      { key: 'projectKey', label: 'Project key', required: true },
    ],
    secrets: [
      { key: 'email', label: 'Email', required: true },
      { key: 'apiToken', label: 'API token', kind: 'secret', required: true },
    ],
    test: { subAction: 'getFields', subActionParams: {} },
  },
  '.resilient': {
    config: [
      { key: 'apiUrl', label: 'IBM Resilient URL', kind: 'url', required: true },
      { key: 'orgId', label: 'Organization ID', required: true },
    ],
    secrets: [
      { key: 'apiKeyId', label: 'API key ID', required: true },
      { key: 'apiKeySecret', label: 'API key secret', kind: 'secret', required: true },
    ],
    test: { subAction: 'getFields', subActionParams: {} },
  },
  '.thehive': {
    config: [
      { key: 'url', label: 'TheHive URL', kind: 'url', required: true },
      { key: 'organisation', label: 'Organisation', hint: 'Leave empty for the API key’s default organisation.' },
    ],
    secrets: [{ key: 'apiKey', label: 'API key', kind: 'secret', required: true }],
    test: {
      subAction: 'pushToService',
      subActionParams: { incident: { title: TEST_CASE, description: TEST_CASE, severity: 1, tlp: 2, tags: [], externalId: null }, comments: [] },
    },
    testCreates: true,
  },
  '.swimlane': {
    config: [
      { key: 'apiUrl', label: 'Swimlane API URL', kind: 'url', required: true },
      { key: 'appId', label: 'Application ID', required: true },
      {
        key: 'connectorType',
        label: 'Connector type',
        kind: 'select',
        required: true,
        options: [
          ['all', 'All'],
          ['alerts', 'Alerts'],
          ['cases', 'Cases'],
        ],
        initial: 'cases',
      },
      {
        key: 'mappings',
        label: 'Field mappings (JSON)',
        kind: 'json',
        required: true,
        initial: {},
        hint: 'Keys like caseIdConfig, caseNameConfig, commentsConfig, descriptionConfig: {id, key, name, fieldType}.',
      },
    ],
    secrets: [{ key: 'apiToken', label: 'API token', kind: 'secret', required: true }],
    test: {
      subAction: 'pushToService',
      subActionParams: { incident: { caseName: TEST_CASE, description: TEST_CASE, externalId: null }, comments: [] },
    },
    testCreates: true,
  },
  '.cases-webhook': {
    config: [
      { key: 'createIncidentUrl', label: 'Create case URL', kind: 'url', required: true },
      { key: 'createIncidentMethod', label: 'Create case method', kind: 'select', required: true, options: [['post', 'POST'], ['put', 'PUT']], initial: 'post' },
      { key: 'createIncidentJson', label: 'Create case JSON body', kind: 'textarea', required: true, hint: 'A Mustache template, e.g. {"title": {{{case.title}}}}.' },
      { key: 'createIncidentResponseKey', label: 'Create case response: case ID key', required: true },
      { key: 'getIncidentUrl', label: 'Get case URL', kind: 'url', required: true, hint: 'With {{{external.system.id}}}.' },
      { key: 'getIncidentResponseExternalTitleKey', label: 'Get case response: external title key', required: true },
      { key: 'viewIncidentUrl', label: 'Case view URL', kind: 'url', required: true },
      { key: 'updateIncidentUrl', label: 'Update case URL', kind: 'url', required: true },
      { key: 'updateIncidentMethod', label: 'Update case method', kind: 'select', required: true, options: [['post', 'POST'], ['patch', 'PATCH'], ['put', 'PUT']], initial: 'put' },
      { key: 'updateIncidentJson', label: 'Update case JSON body', kind: 'textarea', required: true },
      { key: 'createCommentUrl', label: 'Create comment URL', kind: 'url' },
      { key: 'createCommentMethod', label: 'Create comment method', kind: 'select', options: [['post', 'POST'], ['put', 'PUT'], ['patch', 'PATCH']] },
      { key: 'createCommentJson', label: 'Create comment JSON body', kind: 'textarea' },
      { key: 'headers', label: 'Headers (JSON)', kind: 'json', hint: 'e.g. {"X-Api-Version": "2"}' },
      { key: 'hasAuth', label: 'Require authentication (basic)', kind: 'checkbox', initial: true },
    ],
    secrets: [
      { key: 'user', label: 'Username', required: true, when: (state) => state.hasAuth },
      { key: 'password', label: 'Password', kind: 'secret', required: true, when: (state) => state.hasAuth },
    ],
    test: {
      subAction: 'pushToService',
      subActionParams: { incident: { title: TEST_CASE, description: TEST_CASE, externalId: null }, comments: [] },
    },
    testCreates: true,
  },
};
// Any other type: its config and secrets as JSON.
export const GENERIC = {
  config: [{ key: '*', label: 'Config (JSON)', kind: 'json', initial: {} }],
  secrets: [{ key: '*', label: 'Secrets (JSON)', kind: 'json' }],
  test: {},
};
