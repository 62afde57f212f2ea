/*
 * The machine-policy templates IT imports, generated from the one schema (build/policy.schema.json,
 * itself generated from the app's zod schema) and the registry layout the app reads
 * (electron/main/policy-registry.ts):
 *   CrisisDesk.admx + en-US/CrisisDesk.adml   Group Policy (PolicyDefinitions) and Intune ADMX ingestion
 *   org.crisisdesk.desk.mobileconfig          a macOS configuration profile (Jamf, Intune, any MDM)
 *   policy.example.json                       the file for Linux (/etc/crisis-desk/policy.json) and the others
 *   policy.schema.json                        the schema (Jamf's custom settings take it as it is)
 *   tsx scripts/release/policy-templates.ts [dir]     (npm run dist puts them in out/release/policy)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import plist from 'plist';
import { MANAGED_PREFERENCES_DOMAIN } from '../../electron/main/machine-policy';
import { MachinePolicy, policyFile } from '../../electron/main/policy';
import { policyRegistryLayout, type PolicyGroup, type PolicyLeaf } from '../../electron/main/policy-registry';
import { policySchemaText } from '../policy-schema';

export const ADMX_NAMESPACE = 'CrisisDesk.Policies.CrisisDesk';
export const ADMX_PREFIX = 'crisisdesk';

/** What each setting is called in the Group Policy editor; the explanation comes from the schema. */
const TITLES: Record<string, string> = {
  serverUrl: 'Central Crisis Desk server',
  trust: 'Trust this machine belongs to',
  'trust.id': 'Trust ID (as in the access token, e.g. an ODS code)',
  'trust.claim': 'Access-token claim that names the trust (default trust_id)',
  idleLockMinutes: 'Lock the screen after this many idle minutes',
  updates: 'Updates',
  'updates.mode': 'Updates',
  'updates.ring': 'Release ring',
  'updates.pinVersion': 'Do not update beyond version',
  allowDevTools: 'Allow developer tools (support engineers only)',
  contentProtection: 'Hide the window from screenshots, recording and screen sharing',
};

/**
 * What a drop-down shows first when IT enables a setting group: the app's own default, so that
 * enabling "Updates" to choose a ring does not also turn updates off.
 */
const CHOICE_DEFAULTS: Record<string, string> = { 'updates.mode': 'notify', 'updates.ring': 'general' };

/** A filled-in example of every setting (for the profile and the JSON file IT starts from). */
export const EXAMPLE_POLICY: MachinePolicy = MachinePolicy.parse({
  serverUrl: 'https://crisis-desk.example-trust.nhs.uk',
  trust: { id: 'RXX' },
  idleLockMinutes: 5,
  updates: { mode: 'notify', ring: 'general' },
  allowDevTools: false,
  contentProtection: true,
});

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const elementId = (leaf: PolicyLeaf) => leaf.path.join('_');
const title = (p: string) => TITLES[p] ?? p;

function admxElement(leaf: PolicyLeaf): string {
  const common = `id="${elementId(leaf)}" valueName="${xml(leaf.valueName)}"${leaf.required ? ' required="true"' : ''}`;
  const t = leaf.type;
  switch (t.kind) {
    case 'string':
      return `<text ${common}${t.maxLength ? ` maxLength="${t.maxLength}"` : ''}/>`;
    case 'integer':
      return `<decimal ${common}${t.min !== undefined ? ` minValue="${t.min}"` : ''}${t.max !== undefined ? ` maxValue="${t.max}"` : ''}/>`;
    case 'boolean':
      return `<boolean id="${elementId(leaf)}" valueName="${xml(leaf.valueName)}"><trueValue><decimal value="1"/></trueValue><falseValue><decimal value="0"/></falseValue></boolean>`;
    case 'enum':
      return `<enum ${common}>${t.values.map((v) => `<item displayName="$(string.${elementId(leaf)}_${v})"><value><string>${xml(v)}</string></value></item>`).join('')}</enum>`;
  }
}

/** A top-level true/false setting is the policy's own Enabled/Disabled; anything else has elements. */
const isToggle = (g: PolicyGroup) => g.leaves.length === 1 && g.leaves[0]!.path.length === 1 && g.leaves[0]!.type.kind === 'boolean';

export function admx(layout = policyRegistryLayout()): string {
  const policies = layout.map((g) => {
    const head = `<policy name="${g.name}" class="Machine" displayName="$(string.${g.name})" explainText="$(string.${g.name}_Explain)"${isToggle(g) ? '' : ` presentation="$(presentation.${g.name})"`} key="${xml(g.key)}"${isToggle(g) ? ` valueName="${xml(g.leaves[0]!.valueName)}"` : ''}>`;
    const body = isToggle(g)
      ? '<enabledValue><decimal value="1"/></enabledValue><disabledValue><decimal value="0"/></disabledValue>'
      : `<elements>${g.leaves.map(admxElement).join('')}</elements>`;
    return `    ${head}\n      <parentCategory ref="CrisisDesk"/>\n      <supportedOn ref="SUPPORTED_CrisisDesk"/>\n      ${body}\n    </policy>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<!-- Crisis Desk machine policy. Generated from build/policy.schema.json by scripts/release/policy-templates.ts. -->
<policyDefinitions xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">
  <policyNamespaces>
    <target prefix="${ADMX_PREFIX}" namespace="${ADMX_NAMESPACE}"/>
    <using prefix="windows" namespace="Microsoft.Policies.Windows"/>
  </policyNamespaces>
  <resources minRequiredRevision="1.0"/>
  <supportedOn>
    <definitions>
      <definition name="SUPPORTED_CrisisDesk" displayName="$(string.SUPPORTED_CrisisDesk)"/>
    </definitions>
  </supportedOn>
  <categories>
    <category name="CrisisDesk" displayName="$(string.CrisisDesk)"/>
  </categories>
  <policies>
${policies.join('\n')}
  </policies>
</policyDefinitions>
`;
}

function presentationElement(leaf: PolicyLeaf): string {
  const label = `<label>${xml(title(leaf.path.join('.')))}</label>`;
  switch (leaf.type.kind) {
    case 'string':
      return `<textBox refId="${elementId(leaf)}">${label}</textBox>`;
    case 'integer':
      return `<decimalTextBox refId="${elementId(leaf)}"${leaf.type.min !== undefined ? ` defaultValue="${leaf.type.max ?? leaf.type.min}"` : ''}>${xml(title(leaf.path.join('.')))}</decimalTextBox>`;
    case 'boolean':
      return `<checkBox refId="${elementId(leaf)}">${xml(title(leaf.path.join('.')))}</checkBox>`;
    case 'enum': {
      const fallback = CHOICE_DEFAULTS[leaf.path.join('.')];
      const index = fallback ? leaf.type.values.indexOf(fallback) : -1;
      return `<dropdownList refId="${elementId(leaf)}" noSort="true"${index >= 0 ? ` defaultItem="${index}"` : ''}>${xml(title(leaf.path.join('.')))}</dropdownList>`;
    }
  }
}

export function adml(layout = policyRegistryLayout()): string {
  const strings: [string, string][] = [
    ['CrisisDesk', 'Crisis Desk'],
    ['SUPPORTED_CrisisDesk', 'Crisis Desk 0.1 and later'],
  ];
  for (const g of layout) {
    strings.push([g.name, title(g.name)]);
    const details = g.leaves.length > 1 || g.leaves[0]!.path.length > 1 ? `\n\n${g.leaves.map((l) => `${title(l.path.join('.'))}: ${l.description}`).join('\n\n')}` : '';
    strings.push([`${g.name}_Explain`, `${g.description}${details}\n\nStored in HKLM\\${g.key}. Machine policy beats the user's settings and can only tighten security.`]);
    for (const l of g.leaves) if (l.type.kind === 'enum') for (const v of l.type.values) strings.push([`${elementId(l)}_${v}`, v]);
  }
  const presentations = layout.filter((g) => !isToggle(g)).map((g) => `      <presentation id="${g.name}">${g.leaves.map(presentationElement).join('')}</presentation>`);
  return `<?xml version="1.0" encoding="utf-8"?>
<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">
  <displayName>Crisis Desk</displayName>
  <description>Machine policy for Crisis Desk</description>
  <resources>
    <stringTable>
${strings.map(([id, text]) => `      <string id="${id}">${xml(text)}</string>`).join('\n')}
    </stringTable>
    <presentationTable>
${presentations.join('\n')}
    </presentationTable>
  </resources>
</policyDefinitionResources>
`;
}

/** A stable UUID from a name, so the profile's identity stays the same from release to release. */
function nameUuid(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

/** A macOS configuration profile setting the managed preferences of org.crisisdesk.desk. */
export function mobileconfig(policy: MachinePolicy = EXAMPLE_POLICY): string {
  const settings = JSON.parse(JSON.stringify(policy)) as plist.PlistObject;
  return plist.build({
    PayloadContent: [
      {
        PayloadType: MANAGED_PREFERENCES_DOMAIN,
        PayloadIdentifier: `${MANAGED_PREFERENCES_DOMAIN}.policy`,
        PayloadUUID: nameUuid(`${MANAGED_PREFERENCES_DOMAIN}.policy`),
        PayloadVersion: 1,
        PayloadDisplayName: 'Crisis Desk machine policy',
        ...settings,
      },
    ],
    PayloadDisplayName: 'Crisis Desk',
    PayloadDescription: 'Machine policy for Crisis Desk: server, trust, screen lock, updates. Edit the values before deploying.',
    PayloadIdentifier: `${MANAGED_PREFERENCES_DOMAIN}.profile`,
    PayloadOrganization: 'Crisis Desk',
    PayloadScope: 'System',
    PayloadType: 'Configuration',
    PayloadUUID: nameUuid(`${MANAGED_PREFERENCES_DOMAIN}.profile`),
    PayloadVersion: 1,
  });
}

export function writePolicyTemplates(dir: string): string[] {
  mkdirSync(path.join(dir, 'en-US'), { recursive: true });
  const files: [string, string][] = [
    ['CrisisDesk.admx', admx()],
    [path.join('en-US', 'CrisisDesk.adml'), adml()],
    [`${MANAGED_PREFERENCES_DOMAIN}.mobileconfig`, mobileconfig()],
    ['policy.example.json', `${JSON.stringify(EXAMPLE_POLICY, null, 2)}\n`],
    ['policy.schema.json', policySchemaText()],
    [
      'README.txt',
      `Crisis Desk machine policy (docs/deployment.md says more)\n\nWindows: copy CrisisDesk.admx to PolicyDefinitions and en-US\\CrisisDesk.adml to PolicyDefinitions\\en-US (Group Policy), or import both in Intune (Devices > Configuration > Import ADMX). Values land in HKLM\\SOFTWARE\\Policies\\CrisisDesk. Or deploy policy.json to ${policyFile('win32', {})}.\nmacOS: deploy ${MANAGED_PREFERENCES_DOMAIN}.mobileconfig (edit the values) with your MDM, or policy.json to ${policyFile('darwin', {})}.\nLinux: copy policy.example.json to ${policyFile('linux', {})}, edited, owned by root, mode 0644.\n`,
    ],
  ];
  return files.map(([name, text]) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const dir = path.resolve(process.argv[2] ?? 'out/policy');
  for (const f of writePolicyTemplates(dir)) console.log(path.relative(process.cwd(), f));
}
