import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef } from 'react';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { measurePaint, useDirectory } from '../../stores/directory';
import { referResult } from './refer';
import { ResultCard } from './ResultCard';

/** A typical card's height (they are 170–260 px), until it is measured. */
const ESTIMATED_CARD_PX = 200;

/**
 * A card's height for the virtualiser, without a read of the page in React's commit: the
 * ResizeObserver's size once it has reported (after the frame's layout, before its paint, so the
 * clinician never sees the estimate), else the size already known for that service, else the
 * estimate. The virtualiser's own measure reads `offsetHeight` of every new card in the commit: a
 * forced style and layout pass per answer that brings new services, 200 ms of the renderer's
 * 700 ms of script over the bench's typing (CPU profile, 7 December, round 3).
 */
function cardHeight(el: Element, entry: ResizeObserverEntry | undefined, v: Virtualizer<HTMLDivElement, Element>): number {
  const box = entry?.borderBoxSize?.[0];
  if (box) return Math.round(box.blockSize);
  const index = v.indexFromElement(el);
  return v.itemSizeCache.get(v.options.getItemKey(index)) ?? ESTIMATED_CARD_PX;
}

/*
 * The results, virtualised: only the cards near the viewport are in the page, so a list of
 * thousands scrolls as smoothly as one of ten. The next page is fetched (by offset) as the end
 * comes into view. Positions and the list's height are written by the virtualiser through the
 * CSSOM (element.style, which the CSP allows; the HTML itself carries no inline style), not by
 * rendering: an answer re-renders only the cards whose service or wording changed.
 *
 * Measured (Chromium trace, 100k directory, the screen bench's typing): a ref callback made anew
 * at every render measured every card again at every render (React detaches and re-attaches it),
 * each read forcing a style and layout pass in the middle of React's commit, and a size differing
 * from the estimate re-rendered the whole list a second time: about 2 ms of forced layout per
 * answer. Now each card is measured once, when it is added (one layout for all the new cards), and
 * a ResizeObserver follows later changes (a card growing when a report is added).
 */
export function ResultsList() {
  const results = useDirectory((s) => s.results);
  const total = useDirectory((s) => s.total);
  const hasMore = useDirectory((s) => s.hasMore);
  const origin = useDirectory((s) => s.origin);
  // Judged at the moment asked about ("open at"), or now.
  const at = useDirectory((s) => (s.answered?.openAt && s.evaluatedAt ? Date.parse(s.evaluatedAt) : null));
  const active = useDirectory((s) => s.active);
  const setActive = useDirectory((s) => s.setActive);
  const more = useDirectory((s) => s.more);
  const now = useApp((s) => s.now);
  const openDialog = useApp((s) => s.openDialog);
  const callerAge = useCallSession((s) => s.context.age);
  const canRefer = useCallSession((s) => s.record?.status === 'draft');
  const scrollRef = useRef<HTMLDivElement>(null);

  const count = results.length + (hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATED_CARD_PX,
    // The pane shows two or three cards at 1366×768: one more each side is ready for the next
    // Alt+↓ or wheel step; each card beyond that cost style, layout and paint at every answer
    // (5 cards in the page with 3, 3 with 1).
    overscan: 1,
    getItemKey: (i) => results[i]?.service.id ?? `more-${i}`,
    measureElement: cardHeight,
    directDomUpdates: true,
    directDomUpdatesMode: 'position',
  });
  // A card measured above the fold moves the list by its change in size only when it is above
  // what the clinician sees now: the virtualiser's own offset lags a jump to the top by a scroll
  // event, and measuring a new search's first cards against the old offset scrolled the list back
  // down to where the last search had been read (the nearest service out of sight).
  virtualizer.shouldAdjustScrollPositionOnItemSizeChange = (item) => item.end <= (scrollRef.current?.scrollTop ?? 0);
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];

  useEffect(() => {
    if (last && hasMore && last.index >= results.length - 4) more();
  }, [last, hasMore, results.length, more]);

  // The keyboard's selected result (Alt+↓/↑): bring it into view, then focus its name.
  useEffect(() => {
    if (active < 0) return;
    const focusIt = () => scrollRef.current?.querySelector<HTMLElement>(`[data-result-index="${active}"]`);
    const el = focusIt();
    if (el && document.activeElement?.closest('.result') === el.closest('.result')) return;
    virtualizer.scrollToIndex(active, { align: 'auto' });
    // Only if the selection has not moved on meanwhile: a late focus would select an older result.
    const focusIfCurrent = () => {
      if (useDirectory.getState().active === active) focusIt()?.focus({ preventScroll: true });
    };
    requestAnimationFrame(() => requestAnimationFrame(focusIfCurrent));
  }, [active, virtualizer]);

  // The benchmark reads keystroke → painted from this measure (after the next frame is drawn).
  useEffect(() => {
    const id = requestAnimationFrame(() => setTimeout(measurePaint, 0));
    return () => cancelAnimationFrame(id);
  }, [results]);

  // A new search starts at the top (a further page or a refresh of the same search does not).
  // Keyed on the search answered, not on its first result: "s" after "crisis" may lead with the
  // same service and left the list where the last search had been read. Done as the answer reaches
  // the store, before React puts its cards in the page: the page is then as the last frame laid it
  // out, so reading where the list is costs nothing. A scroll in the commit (after the new cards
  // went in) forced a style and layout pass at every answer, even with the list already at the top
  // (130 ms of the renderer's 700 ms of script over the bench's typing).
  useLayoutEffect(
    () =>
      useDirectory.subscribe((s, before) => {
        const el = scrollRef.current;
        if (s.answered !== before.answered && el && el.scrollTop !== 0) el.scrollTo?.({ top: 0 });
      }),
    [],
  );

  const onOpen = useCallback(
    (i: number) => {
      const r = useDirectory.getState().results[i];
      if (r) {
        setActive(i);
        openDialog('service', r.service.id);
      }
    },
    [openDialog, setActive],
  );
  const onReport = useCallback(
    (i: number) => {
      const r = useDirectory.getState().results[i];
      if (r) {
        setActive(i);
        openDialog('report', r.service.id);
      }
    },
    [openDialog, setActive],
  );
  const onRefer = useCallback((i: number) => {
    const r = useDirectory.getState().results[i];
    if (r) referResult(r);
  }, []);

  return (
    <div className="results" ref={scrollRef} role="region" aria-label="Search results" tabIndex={-1}>
      <div className="results__inner" role="list" aria-label={`${total} services`} ref={virtualizer.containerRef}>
        {items.map((v) => {
          const r = results[v.index];
          return (
            <div
              key={v.key}
              role="listitem"
              aria-posinset={v.index + 1}
              aria-setsize={total}
              className="results__item"
              data-index={v.index}
              ref={virtualizer.measureElement}
            >
              {r ? (
                <ResultCard
                  result={r}
                  index={v.index}
                  active={v.index === active}
                  origin={origin}
                  now={now}
                  at={at}
                  callerAge={callerAge}
                  canRefer={canRefer}
                  onFocus={setActive}
                  onOpen={onOpen}
                  onRefer={onRefer}
                  onReport={onReport}
                />
              ) : (
                <p className="results__loading">Loading more services…</p>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
