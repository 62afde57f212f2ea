/** Lower case without accents, as FTS5's unicode61 tokenizer (remove_diacritics 2) sees text. */
export function foldText(text: string): string {
  return text.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');
}
