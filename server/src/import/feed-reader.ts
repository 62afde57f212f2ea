import type { FeedService } from './feed-model';

export type { ReadLimits } from './read-limits';

/**
 * One record as a reader found it: where it is in the feed (`page 2, item 5`, `item 17`,
 * `services.csv row 9`), and the service read from it; or the item that was not a service object;
 * or a record the feed lists that could not be read (its full record failed to load), with why.
 */
export type ReadRecord =
  | { place: string; record: FeedService }
  | { place: string; notAService: unknown }
  | { place: string; unreadable: string; id: string | null; name: string | null };
