import { useFormContext, useWatch } from 'react-hook-form';
import { RISK_INDICATORS, RISK_STATUS_LABELS, RISK_STATUSES } from '../../../../../shared/domain/call-record';
import { Icon } from '../../../components/Icon';
import { Checkbox, CheckboxGroup, RadioGroup, Section, TextArea, useFieldId } from '../fields';
import type { FormValues } from '../form-model';
import { RISK_AREA_LABELS, RISK_INDICATOR_LABELS } from '../labels';

const STATUS_OPTIONS = RISK_STATUSES.map((v) => ({ value: v, label: RISK_STATUS_LABELS[v] }));

function Area({ area }: { area: 'toSelf' | 'toOthers' | 'fromOthers' }) {
  const { control } = useFormContext<FormValues>();
  const status = useWatch({ control, name: `risk.${area}.status` });
  const id = useFieldId(`risk.${area}`);
  return (
    <div className={`risk-area risk-area--${status}`} id={id}>
      <h4 className="risk-area__title">
        {status === 'present' && <Icon name="warning" />}
        {RISK_AREA_LABELS[area]}
      </h4>
      <RadioGroup name={`risk.${area}.status`} legend={`${RISK_AREA_LABELS[area]}: assessment`} options={STATUS_OPTIONS} inline small />
      {status === 'present' && (
        <CheckboxGroup
          name={`risk.${area}.indicators`}
          legend="Indicators"
          options={RISK_INDICATORS[area].map((v) => ({ value: v, label: RISK_INDICATOR_LABELS[v] }))}
          columns={2}
          small
        />
      )}
      <TextArea name={`risk.${area}.notes`} label="Notes" rows={2} />
    </div>
  );
}

export function RiskSection() {
  const { control } = useFormContext<FormValues>();
  const [danger, sgStatus] = useWatch({ control, name: ['risk.immediateDanger', 'risk.safeguarding.status'] });
  const safeguardingId = useFieldId('risk.safeguarding');
  return (
    <Section id="sec-risk" title="Risk" aside={<span className="section-note">Structured by area, with your formulation. No risk score.</span>}>
      <div className={`danger-box${danger ? ' danger-box--on' : ''}`}>
        <Checkbox
          name="risk.immediateDanger"
          label="Immediate danger to life"
          hint="Needs an emergency response (emergency services or a welfare check) and outcome 06 before the record can be finalised."
          emphasis
        />
      </div>
      <div className="risk-grid">
        <Area area="toSelf" />
        <Area area="toOthers" />
        <Area area="fromOthers" />
        <div className={`risk-area risk-area--${sgStatus}`} id={safeguardingId}>
          <h4 className="risk-area__title">
            {sgStatus === 'present' && <Icon name="shield" />}
            Safeguarding
          </h4>
          <RadioGroup name="risk.safeguarding.status" legend="Safeguarding: assessment" options={STATUS_OPTIONS} inline small />
          <div className="checks checks--cols-1">
            <Checkbox name="risk.safeguarding.childrenConcern" label="Concern about a child" />
            <Checkbox name="risk.safeguarding.adultConcern" label="Concern about an adult at risk" />
            <Checkbox name="risk.safeguarding.referralMade" label="Safeguarding referral made" />
          </div>
          <TextArea name="risk.safeguarding.notes" label="Notes" hint="If no referral was made, say why." rows={2} />
        </div>
      </div>
      <TextArea
        name="risk.formulation"
        label="Risk formulation"
        hint="In your own words: what the risks are, what makes them more or less likely, what protects the person, and the plan."
        rows={5}
        large
      />
    </Section>
  );
}
