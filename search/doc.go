// Package search implements instant, as-you-type full-text search over
// the procedure cards and BIP pages shown on the Infomat kiosk.
//
// # Words
//
// Text is split into words at every character that is neither a letter
// nor a digit, so punctuation separates words and "USC-1" is the two
// words "usc" and "1". Words are compared in their [Normalize]d form:
// lower case with Latin diacritics folded, so "zaswiadczenie" finds
// "zaświadczenie", "lodz" finds "Łódź" and "Łódź" finds "lodz".
// Cyrillic is only lower-cased.
//
// # Matching
//
// Every query word is looked up as a whole word. The last word is also
// matched as a prefix, since the resident is still typing it, unless the
// query ends with a space or punctuation; earlier words of three or more
// letters are prefixes too, because Polish inflects ("samochod" finds
// "samochodu"). Words of five or more letters without digits also match
// terms one edit away (insertion, deletion, substitution or adjacent
// transposition; Damerau-Levenshtein distance 1), found through a table
// of one-letter deletions (SymSpell). When the word being typed has no
// exact completion at all, it is also matched as a prefix with one edit,
// so "zaswiadczene" finds "zaświadczenie" before it is finished.
//
// To keep every keystroke fast, one query word expands to at most 50
// non-exact terms whose postings add up to at most 30,000: typo
// neighbours first (at most 16), then the most frequent completions,
// then fuzzy completions. The exact term is never cut. A one-letter last
// word thus matches only its few most common completions. Only the
// first ten query words are used.
//
// # Ranking
//
// Query words are combined with OR, ranked so that documents matching
// more of the words come first: "jak zarejestrować samochód" finds the
// car-registration card even though "jak" occurs nowhere, and a document
// matching all words outranks one matching some. A document's score sums,
// over the query words it matches, a coverage bonus of up to 100 and the
// score of the word's best matching term in the document:
//
//	quality × field × idf
//
// where quality is 1 for an exact word, 0.5–0.9 for a prefix (more for
// a longer typed part), 0.4 for a typo and 0.3 for a prefix with a typo;
// field is 3 for the title and 1–1.5 for the body (repeated words count
// a little more); idf is the BM25 inverse document frequency. The bonus
// is full for words in under about 2% of documents (idf ≥ 4) and shrinks
// linearly with idf, so a word in nearly every document ("w", "na")
// adds almost nothing. Ties go to the document given first to
// [NewIndex].
//
// Common words, those with a term in more than a quarter of the
// documents, only add to documents that rarer words of the query
// matched (when every word is common, the rarest stands in); their
// terms found in more than about three quarters of the documents are
// then skipped altogether. Alone, a common word matches normally.
//
// # Translations
//
// A document may carry variants in other languages ([Doc.Variants]):
// their titles weigh as the title and their bodies as the body, all
// under the one document, so a word in any language finds it and the
// ranking does not depend on the reader's language. [Index.SearchIn]
// then shows each hit in the reader's language where a variant exists:
// its title, and a snippet of its body (of the original body when only
// that matched).
//
// # Highlighting
//
// Each hit carries the byte spans of matched words in its original title
// and a body snippet of at most 160 characters, cut on word boundaries
// around the first matched body word (of a word that is not common, if
// any), with its own spans. Whole words are highlighted, also for
// prefix and typo matches. Only returned hits are highlighted.
//
// # Performance
//
// The vocabulary is a sorted slice of distinct normalised terms, so a
// prefix is a binary-searched run of term ids and the fuzzy prefix walk
// treats it as an implicit trie. Postings are one flat slice with the
// field weight × idf precomputed. Scores accumulate, in fixed point and
// without branches, in a dense per-document array reused through a
// sync.Pool; a bitset of touched documents lets the bounded top-k heap
// visit (and reset) only those. With 55,000 documents and about 100,000
// terms the index takes about 80 MB.
package search
