import type { PostcodePlace } from '../../../../shared/contract';
import { CRISIS_ROUTES, EMERGENCY_NUMBER, NATION_NAMES, type Nation } from '../../../../shared/domain/nations';
import { Icon } from '../../components/Icon';
import { PhoneButton } from './ResultCard';

/** The nations other than England a place lies in (empty when it is wholly in England). */
export function nationsOutsideEngland(place: PostcodePlace | null): Exclude<Nation, 'england'>[] {
  return (place?.nations ?? []).filter((n): n is Exclude<Nation, 'england'> => n !== 'england');
}

/** "BT7 1NN is in Northern Ireland", "SY10 is partly in Wales": for the results count. */
export function placeSentence(place: PostcodePlace): string {
  const others = nationsOutsideEngland(place).map((n) => NATION_NAMES[n]);
  return place.nations.includes('england') ? `${place.label} is partly in ${others.join(' and ')}` : `${place.label} is in ${others.join(' and ')}`;
}

/**
 * A caller's postcode outside England: said above the results, with that nation's own route for
 * urgent mental health help, so English services are never taken for local ones.
 */
export function NationNotice({ place, hasResults }: { place: PostcodePlace; hasResults: boolean }) {
  const others = nationsOutsideEngland(place);
  if (others.length === 0) return null;
  const partly = place.nations.includes('england');
  const names = others.map((n) => NATION_NAMES[n]).join(' and ');
  return (
    <section className="nation-notice" aria-labelledby="nation-notice-title" data-testid="nation-notice">
      <h3 className="nation-notice__title" id="nation-notice-title">
        <Icon name="warning" />
        {placeSentence(place)}
      </h3>
      {partly ? (
        <p>The district crosses the border with {names}: ask the caller for their full postcode. If they live in {names}, their own services apply.</p>
      ) : others.includes('northern_ireland') ? (
        <p>This directory lists services in England only: it has none for Northern Ireland. To search it by name instead, clear the postcode.</p>
      ) : (
        <p>
          This directory lists services in England only.{' '}
          {hasResults ? `Those below are near the border or national: they may not take callers from ${names}.` : `None is near enough to list.`}
        </p>
      )}
      {others.map((nation) => {
        const route = CRISIS_ROUTES[nation];
        return (
          <div className="nation-notice__route" key={nation}>
            <p>{route.summary}</p>
            <ul className="nation-notice__contacts">
              {route.contacts.map((c) => (
                <li key={c.label}>
                  {c.number ? <PhoneButton phone={{ number: c.number, type: 'public', label: `${c.label}${c.note ? `, ${c.note}` : ''}` }} serviceName={c.label} /> : null}
                  {!c.number && (
                    <span>
                      <strong>{c.label}</strong>
                      {c.note ? `: ${c.note}` : ''}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
      <p className="small">If life is at risk now: {EMERGENCY_NUMBER}, in every nation.</p>
    </section>
  );
}
