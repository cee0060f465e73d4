"""The text family: n-gram language models retrained on their own prose.

A real corpus is tokenised once (punctuation marks are tokens, everything is
lowercased to keep the vocabulary small) and every tenth sentence is held out:
no model ever trains on it, and its perplexity measures what the models forget.
Each generation an order-k n-gram model is fitted by counting on M tokens made
of documents of ``document_length`` tokens: fresh passages of the real training
text and documents the previous model wrote, each starting from a sentence
start. Its text is then measured (distinct n-grams, repeated phrases, words
used) and so is the model itself (perplexity of the held-out text, real phrases
it can no longer write). SCIENCE.md section 6: every context is a Wright-Fisher
population of its own size, so rare contexts collapse first and phrases die
before words; order 1 is the vocabulary family (section 4) exactly.

Token ids: ``0 .. V-1`` are the corpus's words (most used first); ``V`` is the
sentence-start padding (``BOS``), which appears only in contexts. A context of
an order-k model is the k-1 previous tokens of the same segment, encoded as
the base-(V+1) number whose lowest digit is the last token. A model that
reaches a context it never saw continued (it only saw it at the very end of a
document) starts a new segment from the sentence start, and the next model
counts that segment as starting there; so a model can only ever write n-grams
its predecessor could write, and with s = 1 a lost phrase never returns.

Perplexity needs smoothing to stay finite on phrases a model never saw: it is
interpolated Witten-Bell smoothing down to a uniform floor over the corpus's
words (:data:`SMOOTHING`, to show next to the number; :meth:`NgramModel.perplexity`).

Randomness follows the project's convention: one ``SeedSequence(seed)`` per
run, replicate i draws from ``SeedSequence(seed).spawn(R)[i]``, and within a
generation each replicate's generator draws, in this order, its real passage
starts, its subsample keys (mode ``accumulate_subsample``) and the uniforms of
the documents its model writes. The per-position sampling step then runs once
over the documents of every replicate together.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from nltk.tokenize import NLTKWordTokenizer, PunktSentenceTokenizer
from nltk.tokenize.treebank import TreebankWordDetokenizer

from ..scenario import Scenario, synthetic_schedule

# -- Corpora --------------------------------------------------------------------------

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

#: Built-in corpora: name -> (file in collapse/data, provenance shown on the page).
CORPORA = {
    "sherlock": (
        "sherlock_holmes.txt",
        (
            "The Adventures of Sherlock Holmes, Arthur Conan Doyle (1892), public domain; "
            "the twelve stories from the sherlock-holm.es edition of The Complete Sherlock Holmes "
            "(the text of Project Gutenberg ebook 1661), line breaks normalised"
        ),
    ),
}

#: Every HELDOUT_EVERY-th sentence (the 10th, 20th, ...) is held out from training.
HELDOUT_EVERY = 10
#: A text shorter than this cannot feed even one document and a held-out part.
MIN_TOKENS = 500
MIN_SENTENCES = HELDOUT_EVERY  # at least one held out

_WORD_TOKENIZER = NLTKWordTokenizer()
_DETOKENIZER = TreebankWordDetokenizer()
#: Tokens after which a new sentence starts (its first word is capitalised on display).
_SENTENCE_ENDS = frozenset({".", "!", "?"})
#: Tokens that may sit between a sentence end and the next sentence's first word.
_OPENERS = frozenset({"``", "''", "'", "(", "--"})


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a text (blank-line separated), each on one line with single spaces.

    Editions break lines and indent for the page, not for the story; only a
    blank line ends a paragraph.
    """
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [" ".join(block.split()) for block in blocks if block.strip()]


def normalise_edition(text: str) -> str:
    """The shared Sherlock Holmes edition as shipped in collapse/data: one paragraph a line.

    Drops the edition's headings (story titles and ``CHAPTER I`` lines have no
    lower-case letter; the first story's table of contents starts with "Table
    of contents"), which are layout, not prose.
    """
    kept = [p for p in paragraphs(text) if re.search("[a-z]", p) and not p.startswith("Table of contents")]
    return "\n".join(kept) + "\n"


@dataclass(frozen=True, eq=False)
class Corpus:
    """A real text, tokenised: the world of the text family.

    Attributes
    ----------
    name : str
        Short name ("sherlock", "your text").
    title : str
        Provenance, to show next to any chart of it.
    words : tuple of str
        The vocabulary, lowercased: token id -> word (most used first).
    display : tuple of str
        How each word is usually written inside a sentence ("holmes" -> "Holmes",
        "i" -> "I"), for readable output.
    train : ndarray of int32
        Token ids of the training part (nine sentences in ten, in order).
    heldout : ndarray of int32
        Token ids of the held-out part (every tenth sentence), never trained on.
    sentence_starts : ndarray of int64
        Positions in ``train`` where a sentence starts: real passages start there.
    heldout_starts : ndarray of int64
        Positions in ``heldout`` where a (held-out) sentence starts.
    """

    name: str
    title: str
    words: tuple
    display: tuple
    train: np.ndarray
    heldout: np.ndarray
    sentence_starts: np.ndarray
    heldout_starts: np.ndarray

    @property
    def vocabulary_size(self) -> int:
        return len(self.words)

    def display_tokens(self, ids, sentence_start: bool = True) -> list[str]:
        """Tokens as written: each word's usual capitals, and a capital at every sentence start.

        ``sentence_start=False``: the ids are a phrase from within a sentence.
        """
        out, start = [], sentence_start
        for token in np.asarray(ids).tolist():
            word, lower = self.display[token], self.words[token]
            if start and lower not in _OPENERS:
                word, start = word[:1].upper() + word[1:], False
            start = start or lower in _SENTENCE_ENDS
            out.append(word)
        return out

    def detokenize(self, ids, sentence_start: bool = True) -> str:
        """Readable text of token ids (:meth:`display_tokens` joined by nltk's Treebank detokenizer)."""
        return _DETOKENIZER.detokenize(self.display_tokens(ids, sentence_start))

    def phrase_text(self, ids) -> str:
        """A phrase of the real text, readable mid-sentence: detokenised once per corpus (~1 ms each with nltk)."""
        key = tuple(int(i) for i in ids)
        if key not in self._phrase_texts:
            self._phrase_texts[key] = self.detokenize(key, sentence_start=False)
        return self._phrase_texts[key]

    @functools.cached_property
    def _phrase_texts(self) -> dict[tuple, str]:  # a memo, not a field
        return {}


def tokenize_sentences(text: str) -> list[list[str]]:
    """Sentences of a text as lists of tokens (original case), with nltk only.

    Sentences come from Punkt trained on the text itself (no downloaded model:
    it learns the text's own abbreviations, such as "Mr." and "St."), words
    from nltk's improved Treebank tokenizer (punctuation marks and quotes are
    tokens; double quotes become ``\\`\\``` and ``''``).
    """
    parts = paragraphs(text)
    splitter = PunktSentenceTokenizer("\n\n".join(parts))
    return [_WORD_TOKENIZER.tokenize(sentence) for part in parts for sentence in splitter.tokenize(part)]


def corpus_from_text(text: str, name: str = "your text", title: str = "your text") -> Corpus:
    """Tokenise a text into a :class:`Corpus`; every tenth sentence is held out.

    Raises
    ------
    ValueError
        If the text has fewer than ``MIN_TOKENS`` tokens or ``MIN_SENTENCES`` sentences.
    """
    sentences = [s for s in tokenize_sentences(text) if s]
    n_tokens = sum(map(len, sentences))
    if n_tokens < MIN_TOKENS or len(sentences) < MIN_SENTENCES:
        raise ValueError(
            f"the text is too short for the text family: it has {n_tokens:,} words and punctuation marks "
            f"in {len(sentences):,} sentences; it needs at least {MIN_TOKENS} in {MIN_SENTENCES} sentences "
            f"(about a page), because a tenth is held out to measure the models"
        )
    lowered = [[token.lower() for token in sentence] for sentence in sentences]
    counts = Counter(token for sentence in lowered for token in sentence)
    words = tuple(sorted(counts, key=lambda w: (-counts[w], w)))
    index = {word: i for i, word in enumerate(words)}
    # usual spelling: the commonest form away from a sentence's first word, else any form
    inside, first = Counter(), Counter()
    for sentence in sentences:
        lead = next((i for i, token in enumerate(sentence) if token not in _OPENERS), 0)
        first.update(sentence[: lead + 1])
        inside.update(sentence[lead + 1 :])
    forms = {}
    for table in (first, inside):  # a form seen inside a sentence wins
        for form, _ in sorted(table.items(), key=lambda item: item[1]):  # the commonest comes last and wins
            forms[form.lower()] = form
    display = tuple(forms[w] for w in words)

    def join(part):
        ids = [np.array([index[t] for t in s], dtype=np.int32) for s in part]
        starts = np.cumsum([0] + [len(s) for s in part[:-1]]).astype(np.int64)
        return np.concatenate(ids), starts

    held = [i % HELDOUT_EVERY == HELDOUT_EVERY - 1 for i in range(len(lowered))]
    train, train_starts = join([s for s, h in zip(lowered, held) if not h])
    heldout, heldout_starts = join([s for s, h in zip(lowered, held) if h])
    return Corpus(name, title, words, display, train, heldout, train_starts, heldout_starts)


@functools.cache
def load_corpus(name: str = "sherlock") -> Corpus:
    """A built-in corpus of collapse/data (tokenised on first use, ~1.5 s, then cached)."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}: choose one of {', '.join(CORPORA)}")
    filename, title = CORPORA[name]
    return corpus_from_text((DATA_DIR / filename).read_text(encoding="utf-8"), name=name, title=title)


# -- Contexts and counts ----------------------------------------------------------------

#: A model bank whose (model, context) key space is at most this large maps keys to
#: rows with a dense array (order 1 and 2); larger ones (order 3) search sorted keys.
_DENSE_KEYS = 1 << 22


def context_codes(documents: np.ndarray, restarts: np.ndarray, order: int, n_words: int) -> np.ndarray:
    """Each position's context (its k-1 previous tokens, ``BOS`` before its segment) as one integer.

    The code is the base-(V+1) number whose lowest digit is the previous token,
    so the context after writing token t from context c is ``(c mod (V+1)^(k-2)) (V+1) + t``.
    """
    n_docs, length = documents.shape
    codes = np.zeros((n_docs, length), dtype=np.int64)
    crossed = np.zeros((n_docs, length), dtype=bool)  # the token `back` places before is in an earlier segment
    for back in range(1, order):
        crossed[:, back - 1 :] |= restarts[:, : length - back + 1]  # a segment starts at j - back + 1
        crossed[:, :back] = True
        previous = np.full((n_docs, length), n_words, dtype=np.int64)  # BOS
        previous[:, back:] = documents[:, :-back]
        previous[crossed] = n_words
        codes += previous * (n_words + 1) ** (back - 1)
    return codes


def first_restarts(shape) -> np.ndarray:
    """Restart flags of documents that are one segment each (every document starts a sentence)."""
    restarts = np.zeros(shape, dtype=bool)
    restarts[:, 0] = True
    return restarts


class _Table:
    """Counts of (context, next token) for a bank of models: one CSR row per (model, context) seen.

    ``keys[row]`` is ``model * span + context code``, ascending; ``counts`` is a
    ``scipy.sparse.csr_array`` of shape (rows, V) with sorted column indices.
    """

    def __init__(self, keys, tokens, weights, n_keys: int, n_words: int):
        pairs = keys * n_words + tokens
        if weights is None:
            pairs, weights = np.sort(pairs), np.ones(pairs.size)
        else:
            order = np.argsort(pairs)
            pairs, weights = pairs[order], weights[order]
        keys, tokens = np.divmod(pairs, n_words)
        new = np.ones(keys.size, dtype=bool)
        new[1:] = keys[1:] != keys[:-1]
        self.keys = keys[new]
        # scipy sums the duplicate (row, token) pairs: that is the counting (sorted
        # pairs spare it a sort per row)
        self.counts = sp.csr_array((weights, (np.cumsum(new) - 1, tokens)), shape=(self.keys.size, n_words))
        self._row_of_key = None
        if n_keys <= _DENSE_KEYS:  # small key spaces: find rows by indexing, not searching
            self._row_of_key = np.full(n_keys, -1, dtype=np.int64)
            self._row_of_key[self.keys] = np.arange(self.keys.size)
        self.n_keys = n_keys

    def rows(self, keys) -> np.ndarray:
        """Row of each context key, -1 for contexts never seen."""
        if self._row_of_key is not None:
            return self._row_of_key[keys]
        position = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        return np.where(self.keys[position] == keys, position, -1)

    @functools.cached_property
    def entry_rows(self) -> np.ndarray:
        return np.repeat(np.arange(self.keys.size), np.diff(self.counts.indptr))

    @functools.cached_property
    def totals(self) -> np.ndarray:
        """Tokens counted after each context."""
        return np.add.reduceat(self.counts.data, self.counts.indptr[:-1]) if self.keys.size else np.zeros(0)

    @property
    def types(self) -> np.ndarray:
        """Distinct next tokens seen after each context."""
        return np.diff(self.counts.indptr)


class NgramModel:
    """An order-k n-gram language model fitted by counting, or a bank of independent ones.

    Fitting counts every (context, next token) pair of the training documents
    (maximum likelihood: the next-token distribution of a context is its counts
    over their total). Writing decodes every context's distribution with
    temperature, top-k and top-p, then draws each position of every document at
    once by inverse CDF: one ``searchsorted`` of ``row + u`` in the cumulative
    probabilities of all rows.

    One object holds ``n_models_`` independent models (the replicates of a
    run) in one count matrix, so each step is vectorised over all of them.

    Parameters
    ----------
    order : int, default 2
        n of the n-grams: each token depends on the ``order - 1`` before it (1: word frequencies only).
    temperature : float, default 1
        Writing draws from p^(1/T), renormalised per context.
    top_k : int, default 0
        Writing uses only the k likeliest next tokens of each context (0: all).
    top_p : float, default 1
        Writing uses only the likeliest next tokens whose probabilities add up
        to at least ``top_p`` (nucleus decoding; 1: all).

    Attributes
    ----------
    counts_ : scipy.sparse.csr_array of shape (n_contexts, V)
        Counts of each next token after each (model, context) seen.
    context_keys_ : ndarray of int64
        ``model * (V+1)^(order-1) + context code`` of each row, ascending.
    decoded_ : scipy.sparse.csr_array of shape (n_contexts, V)
        The probabilities the models write from (rows as in ``counts_``).
    n_words_, n_models_ : int
    """

    def __init__(self, order: int = 2, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0):
        self.order = order
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p

    # -- fitting ------------------------------------------------------------------
    def fit(self, documents, restarts=None, groups=None, n_words=None, n_models=None, prior=None) -> NgramModel:
        """Count the n-grams of documents.

        Parameters
        ----------
        documents : array-like of int, shape (n_documents, length)
            Token ids; each document starts from a sentence start.
        restarts : array-like of bool, same shape, optional
            True where a segment starts from a sentence start again (a model
            that hit a dead end); position 0 always does.
        groups : array-like of int, shape (n_documents,), optional
            Which model of the bank each document trains (default: one model).
        n_words, n_models : int, optional
            Vocabulary size V and number of models (default: from the data).
        prior : tuple, optional
            ``statistics()`` of an earlier fit, added to these counts (a pool
            that accumulates).

        Returns
        -------
        self
        """
        documents = np.atleast_2d(np.asarray(documents, dtype=np.int64))
        restarts = first_restarts(documents.shape) | (False if restarts is None else np.asarray(restarts, bool))
        groups = np.zeros(len(documents), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
        n_words = int(documents.max()) + 1 if n_words is None else int(n_words)
        n_models = int(groups.max()) + 1 if n_models is None else int(n_models)
        span = (n_words + 1) ** (self.order - 1)
        keys = (groups[:, None] * span + context_codes(documents, restarts, self.order, n_words)).ravel()
        tokens, weights = documents.ravel(), None
        if prior is not None:
            keys, tokens = np.concatenate([prior[0], keys]), np.concatenate([prior[1], tokens])
            weights = np.concatenate([prior[2], np.ones(documents.size)])
        return self.fit_counts(keys, tokens, weights, n_words=n_words, n_models=n_models)

    def fit_counts(self, context_keys, tokens, counts=None, *, n_words: int, n_models: int = 1) -> NgramModel:
        """Fit to (context key, next token, count) triples; repeated pairs add up (counts None: 1 each)."""
        self.n_words_, self.n_models_ = int(n_words), int(n_models)
        self._span = (self.n_words_ + 1) ** (self.order - 1)
        counts = None if counts is None else np.asarray(counts, float)
        table = _Table(np.asarray(context_keys, np.int64), np.asarray(tokens, np.int64), counts,
                       self.n_models_ * self._span, self.n_words_)
        self._tables, self._unigrams = {self.order: table}, None
        self.counts_, self.context_keys_ = table.counts, table.keys
        self._decode()
        return self

    def statistics(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The fit's sufficient statistics as (context key, next token, count) triples."""
        table = self._tables[self.order]
        return table.keys[table.entry_rows], table.counts.indices.astype(np.int64), table.counts.data

    @property
    def bos_code(self) -> int:
        """Context code of a sentence start: every previous token is ``BOS``."""
        return sum(self.n_words_ * (self.n_words_ + 1) ** i for i in range(self.order - 1))

    def context_rows(self, models, codes) -> np.ndarray:
        """Rows of ``counts_`` / ``decoded_`` of the given (model, context code) pairs; -1 if never seen."""
        return self._tables[self.order].rows(np.asarray(models, np.int64) * self._span + codes)

    def _table(self, order: int) -> _Table:
        """Counts of the order-j sub-model: contexts cut to their last j-1 tokens (for smoothing)."""
        if order not in self._tables:
            top = self._tables[self.order]
            keys = top.keys[top.entry_rows]
            span = (self.n_words_ + 1) ** (order - 1)
            cut = (keys // self._span) * span + (keys % self._span) % span
            self._tables[order] = _Table(cut, top.counts.indices.astype(np.int64), top.counts.data,
                                         self.n_models_ * span, self.n_words_)
        return self._tables[order]

    # -- decoding and writing -----------------------------------------------------------
    def _decode(self) -> None:
        """Every context's writing distribution, vectorised over all rows; builds the sampler."""
        counts = self.counts_
        indptr, rows = counts.indptr, self._tables[self.order].entry_rows
        weights = counts.data.astype(float)
        if self.temperature != 1.0:
            logs = np.log(weights)
            weights = np.exp((logs - np.maximum.reduceat(logs, indptr[:-1])[rows]) / self.temperature)
        if self.top_k or self.top_p < 1.0:
            # within each row: likeliest first, ties by token id (as the vocabulary family)
            order = np.lexsort((counts.indices, -weights, rows))
            ranked = weights[order]
            keep = np.ones(weights.size, dtype=bool)
            if self.top_k:
                keep &= np.arange(weights.size) - indptr[rows] < self.top_k
            if self.top_p < 1.0:
                # keep the smallest set of likeliest tokens whose mass reaches top_p
                running = np.cumsum(ranked)
                before = running - ranked - (running - ranked)[indptr[:-1]][rows]
                total = np.add.reduceat(ranked, indptr[:-1])[rows]
                keep &= before < self.top_p * total
            weights[order[~keep]] = 0.0
        probabilities = weights / np.add.reduceat(weights, indptr[:-1])[rows]
        if self.top_k or self.top_p < 1.0:  # drop what decoding cut
            kept = probabilities > 0
            rows, indices = rows[kept], counts.indices[kept]
            indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=counts.shape[0]))])
            probabilities = probabilities[kept]
        else:
            indices = counts.indices
        self.decoded_ = sp.csr_array((probabilities, indices, indptr), shape=counts.shape)
        self._decoded_rows = rows
        # sampler: row r's entries cover (r, r + 1] in cumulative order
        running = np.cumsum(probabilities)
        within = running - np.concatenate([[0.0], running[indptr[1:-1] - 1]])[rows]
        cumulative = rows + np.minimum(within, 1.0)
        cumulative[indptr[1:] - 1] = np.arange(1, counts.shape[0] + 1)  # each row ends exactly at r + 1
        self._cumulative, self._next_tokens = cumulative, indices
        # where writing each entry's token leads: the row of the next context, or the
        # sentence start of the same model when that context was never continued
        table = self._tables[self.order]
        models, codes = np.divmod(table.keys, self._span)
        shift = (self.n_words_ + 1) ** max(self.order - 2, 0)
        following = ((models * self._span + (codes % shift) * (self.n_words_ + 1))[rows] + indices)
        next_rows = rows if self.order == 1 else table.rows(following)
        self._bos_rows = table.rows(np.arange(self.n_models_) * self._span + self.bos_code)
        self._dead_ends = next_rows < 0
        self._next_rows = np.where(self._dead_ends, self._bos_rows[models[rows]], next_rows)

    def sample(self, n_documents: int, length: int, uniforms) -> tuple[np.ndarray, np.ndarray]:
        """Write ``n_documents`` documents of ``length`` tokens with every model of the bank.

        Parameters
        ----------
        uniforms : array-like of float in [0, 1), shape (n_models, n_documents, length)
            The randomness: position j of a document takes the first token whose
            cumulative probability in its context's row exceeds ``u[j]``.

        Returns
        -------
        documents : ndarray of int32, shape (n_models * n_documents, length)
            Model-major: model m wrote rows ``m * n_documents`` to ``(m + 1) * n_documents - 1``.
        restarts : ndarray of bool, same shape
            Where a document started from the sentence start (position 0, and
            after a context the model had never seen continued).
        """
        u = np.ascontiguousarray(np.asarray(uniforms, dtype=float).reshape(-1, length).T)  # one row per position
        n = u.shape[1]
        rows = self._bos_rows[np.repeat(np.arange(self.n_models_), n_documents)]
        documents = np.empty((length, n), dtype=np.int32)
        restarts = np.zeros((length, n), dtype=bool)
        restarts[0] = True
        entries = np.empty(n, dtype=np.int64)
        for j in range(length):
            targets = rows + u[j]
            ascending = np.argsort(targets)  # sorted queries search about twice as fast
            entries[ascending] = np.searchsorted(self._cumulative, targets[ascending], side="right")
            documents[j] = self._next_tokens[entries]
            rows = self._next_rows[entries]
            if j + 1 < length:
                restarts[j + 1] = self._dead_ends[entries]
        return np.ascontiguousarray(documents.T), np.ascontiguousarray(restarts.T)

    # -- what the models can write ------------------------------------------------------
    def can_write(self, ngrams, model: int = 0) -> np.ndarray:
        """Whether one model of the bank can still write each n-gram (rows of token ids).

        For n >= order: every window of ``order`` tokens has positive writing
        probability after its context. For n < order: the n-gram ends some
        writable ``order``-gram of real tokens (no ``BOS``).
        """
        ngrams = np.atleast_2d(np.asarray(ngrams, dtype=np.int64))
        n, V1 = ngrams.shape[1], self.n_words_ + 1
        if n < self.order:
            keys = self.written_ngrams(n)
            keys = keys[keys // self.n_words_**n == model] % self.n_words_**n
            query = ngrams @ (self.n_words_ ** np.arange(n - 1, -1, -1))
            return np.isin(query, keys)
        able = np.ones(len(ngrams), dtype=bool)
        for end in range(self.order - 1, n):
            window = ngrams[:, end - self.order + 1 : end + 1]
            codes = window[:, :-1] @ (V1 ** np.arange(self.order - 2, -1, -1))  # order 1: all 0
            rows = self.context_rows(np.full(len(ngrams), model), codes)
            found = rows >= 0
            p = np.zeros(len(ngrams))
            p[found] = self.decoded_[rows[found], window[found, -1]]
            able &= p > 0
        return able

    def written_ngrams(self, n: int, decoded: bool = True) -> np.ndarray:
        """Every n-gram (n <= order, n >= 2) each model can write, as sorted ``model * V^n + key``.

        The key of (t_1 .. t_n) is ``sum t_i V^(n-i)``; n-grams that contain the
        sentence-start padding are left out. ``decoded=False``: the n-grams its
        training text contained.
        """
        table = self._tables[self.order]
        matrix = self.decoded_ if decoded else table.counts
        rows = self._decoded_rows if decoded else table.entry_rows
        keys = table.keys[rows]
        models, codes = keys // self._span, keys % self._span
        V, V1 = self.n_words_, self.n_words_ + 1
        key, real = matrix.indices.astype(np.int64), np.ones(matrix.nnz, dtype=bool)
        for back in range(1, n):
            digit = (codes // V1 ** (back - 1)) % V1
            real &= digit != V
            key = key + digit * V**back
        keys = models[real] * V**n + key[real]
        return keys if n == self.order else np.unique(keys)

    # -- perplexity -------------------------------------------------------------------
    def perplexity(self, tokens, starts=None) -> np.ndarray:
        """Perplexity of a real text under each model, smoothed so it stays finite.

        Interpolated Witten-Bell smoothing down to a uniform floor (Witten and
        Bell 1991; Chen and Goodman 1998), from the model's own counts::

            P_0(w)     = 1 / V
            P_j(w | h) = (c(h w) + N(h) P_{j-1}(w | h')) / (c(h) + N(h))

        for j = 1 .. order, where h is the last j-1 tokens (``BOS`` before a
        sentence start in ``starts``), h' drops its first token, c counts the
        training n-grams (lower orders by summing over the dropped tokens) and
        N(h) is the number of distinct tokens seen after h; a context never
        seen (c(h) = 0) passes P_{j-1} through. Perplexity is
        ``exp(-mean log P_order(w_i | h_i))`` over every token of the text,
        computed from the fitted counts (decoding changes what the model
        writes, not what it knows).

        Parameters
        ----------
        tokens : array-like of int
            The text, one sequence.
        starts : array-like of int, optional
            Positions where a sentence (with no usable context before it) starts; default: 0 only.

        Returns
        -------
        ndarray of shape (n_models,)
        """
        return self._perplexity(prepare_text(tokens, starts, self.order, self.n_words_))

    def unigram_counts(self) -> np.ndarray:
        """How often each model's training text used each word: shape (n_models, V)."""
        if self._unigrams is None:
            table = self._tables[self.order]
            models = table.keys[table.entry_rows] // self._span
            self._unigrams = np.bincount(models * self.n_words_ + table.counts.indices, weights=table.counts.data,
                                         minlength=self.n_models_ * self.n_words_).reshape(self.n_models_, -1)
        return self._unigrams

    def _perplexity(self, text: _EvaluationText) -> np.ndarray:
        unigrams = self.unigram_counts()
        totals, types = unigrams.sum(axis=1, keepdims=True), np.count_nonzero(unigrams, axis=1)[:, None]
        p = (unigrams[:, text.words] + types / self.n_words_) / (totals + types)
        models = np.arange(self.n_models_)[:, None]
        for j in range(2, self.order + 1):
            table = self._table(j)
            rows = table.rows(models * (self.n_words_ + 1) ** (j - 1) + text.contexts[j - 1])
            seen = rows >= 0
            rows = rows[seen]
            pair = table.counts[rows, np.broadcast_to(text.words, p.shape)[seen]]
            types = table.types[rows]
            p[seen] = (pair + types * p[seen]) / (table.totals[rows] + types)
        return np.exp(-(np.log(p) @ text.weights) / text.weights.sum())


@dataclass(frozen=True)
class _EvaluationText:
    """A text prepared for perplexity: its distinct (context, word) pairs and their multiplicities."""

    words: np.ndarray  # (U,) the word of each distinct pair
    contexts: tuple  # contexts[j-1]: (U,) code of the last j-1 tokens, for j = 1 .. order
    weights: np.ndarray  # (U,) how often each pair occurs


def prepare_text(tokens, starts, order: int, n_words: int) -> _EvaluationText:
    """Group a text's positions by their full (context, word) for :meth:`NgramModel.perplexity`."""
    tokens = np.asarray(tokens, dtype=np.int64)[None, :]
    restarts = np.zeros(tokens.shape, dtype=bool)
    restarts[0, [0] if starts is None else np.asarray(starts)] = True
    codes = context_codes(tokens, restarts, order, n_words)[0]
    pairs, weights = np.unique(codes * n_words + tokens[0], return_counts=True)
    codes, words = pairs // n_words, pairs % n_words
    V1 = n_words + 1
    contexts = tuple(codes % V1 ** (j - 1) for j in range(1, order + 1))
    return _EvaluationText(words, contexts, weights.astype(float))


# -- Metrics ----------------------------------------------------------------------------

#: How perplexity is smoothed, in words for the page (see :meth:`NgramModel.perplexity`).
SMOOTHING = (
    "Perplexity of the held-out real text (every tenth sentence, never trained on), smoothed so that it stays "
    "finite: interpolated Witten-Bell, each order's counts mixed with the next lower order's and, at the bottom, "
    "with a uniform chance over the corpus's words."
)

#: Columns of the results, after ``generation`` and ``replicate``.
TEXT_METRICS = (
    "distinct_1",  # distinct words / words written
    "distinct_2",  # distinct bigrams / bigrams written
    "distinct_3",  # distinct trigrams / trigrams written
    "words_used",  # distinct words written
    "repetition",  # share of a document's 4-grams that already occurred earlier in it
    "phrases_lost",  # share of the real training text's bigram occurrences the model can no longer write
    "perplexity",  # of the held-out real text (interpolated Witten-Bell, uniform floor)
    "gini_simpson",  # 1 - sum p^2 of the model's word frequencies (SCIENCE.md section 4)
)
_SENTINEL = np.iinfo(np.int64).max  # marks n-grams that straddle a restart
#: Real trigrams whose fate replicate 0 records, commonest first ("phrases that died").
TRACKED_PHRASES = 2_000
LOST_PHRASES_SHOWN = 20


def ngram_keys(documents: np.ndarray, restarts: np.ndarray, n: int, n_words: int) -> np.ndarray:
    """One int64 per n-gram of each document (windows starting at 0, 1, ..), ``_SENTINEL`` across a restart.

    Keys are exact (``sum t_i V^(n-i)``) while V^n < 2^63, else a multiplicative hash.
    """
    length = documents.shape[1]
    base = n_words if n_words**n < 2**63 else 0x5851F42D4C957F2D  # odd: wraps around without losing bits
    tokens = documents.astype(np.int64)
    keys = tokens[:, : length - n + 1].copy()
    broken = np.zeros(keys.shape, dtype=bool)
    for i in range(1, n):
        keys *= base
        keys += tokens[:, i : length - n + 1 + i]
        broken |= restarts[:, i : length - n + 1 + i]
    keys[broken] = _SENTINEL
    return keys


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys and valid keys in each row (``_SENTINEL`` is not a key)."""
    ordered = np.sort(keys, axis=1)
    valid = ordered != _SENTINEL
    new = np.ones(ordered.shape, dtype=bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    return (new & valid).sum(axis=1), valid.sum(axis=1)


def text_metrics(documents: np.ndarray, restarts: np.ndarray, n_models: int, n_words: int) -> np.ndarray:
    """distinct-1/2/3, words used and repetition of each model's documents (model-major rows).

    Returns an array of shape (n_models, 5); n-grams that straddle a restart
    are not counted, and a share with no n-gram to count is NaN.
    """
    n_docs, length = documents.shape
    per_model = n_docs // n_models * length
    out = np.full((n_models, 5), np.nan)
    words = np.bincount(np.repeat(np.arange(n_models) * n_words, per_model) + documents.ravel(),
                        minlength=n_models * n_words).reshape(n_models, n_words)
    out[:, 3] = np.count_nonzero(words, axis=1)
    out[:, 0] = out[:, 3] / per_model
    with np.errstate(invalid="ignore", divide="ignore"):
        for n in (2, 3):
            if length >= n:
                distinct, valid = _distinct(ngram_keys(documents, restarts, n, n_words).reshape(n_models, -1))
                out[:, n - 1] = distinct / valid
        if length >= 4:
            distinct, valid = _distinct(ngram_keys(documents, restarts, 4, n_words))
            repeated = (valid - distinct).reshape(n_models, -1).sum(axis=1)
            out[:, 4] = repeated / valid.reshape(n_models, -1).sum(axis=1)
    return out


@dataclass(frozen=True, eq=False)
class _RealStatistics:
    """What a corpus's training text contains, for measuring models of it."""

    bigram_keys: np.ndarray  # the distinct real bigrams (a, b) as a V + b, ascending
    bigram_first: np.ndarray  # a
    bigram_second: np.ndarray  # b
    bigram_counts: np.ndarray  # their occurrences in the training text
    phrases: np.ndarray  # (TRACKED_PHRASES, 3) commonest real trigrams of at least two words
    phrase_counts: np.ndarray
    heldout: dict  # order -> the held-out text prepared for perplexity


@functools.lru_cache(maxsize=8)
def real_statistics(corpus: Corpus) -> _RealStatistics:
    """Bigrams, commonest phrases and the prepared held-out text of a corpus (cached per corpus)."""
    V, text = corpus.vocabulary_size, corpus.train.astype(np.int64)
    bigrams, bigram_counts = np.unique(text[:-1] * V + text[1:], return_counts=True)
    trigrams, trigram_counts = np.unique((text[:-2] * V + text[1:-1]) * V + text[2:], return_counts=True)
    trigrams = np.stack([trigrams // V**2, trigrams // V % V, trigrams % V], axis=1)
    is_word = np.array([any(ch.isalpha() for ch in w) for w in corpus.words])
    phrasal = is_word[trigrams].sum(axis=1) >= 2
    trigrams, trigram_counts = trigrams[phrasal], trigram_counts[phrasal]
    top = np.argsort(-trigram_counts, kind="stable")[:TRACKED_PHRASES]
    heldout = {k: prepare_text(corpus.heldout, corpus.heldout_starts, k, V) for k in (1, 2, 3)}
    return _RealStatistics(bigrams, bigrams // V, bigrams % V, bigram_counts.astype(float), trigrams[top],
                           trigram_counts[top], heldout)


def phrases_lost(model: NgramModel, real: _RealStatistics, decoded: bool = True) -> np.ndarray:
    """Share of the real training text's bigram occurrences each model can no longer write.

    ``decoded=False``: no longer contained in the model's training text.
    """
    V = model.n_words_
    if model.order == 1:  # any two words it can still write make a bigram it can write
        words = (model.decoded_ if decoded else model.counts_).toarray() > 0
        kept = (words[:, real.bigram_first] & words[:, real.bigram_second]) @ real.bigram_counts
    else:
        models, pairs = np.divmod(model.written_ngrams(2, decoded), V**2)
        position = np.minimum(np.searchsorted(real.bigram_keys, pairs), real.bigram_keys.size - 1)
        found = real.bigram_keys[position] == pairs  # always, unless the model read other text
        kept = np.bincount(models[found], weights=real.bigram_counts[position[found]], minlength=model.n_models_)
    return 1.0 - kept / real.bigram_counts.sum()


def gini_simpson(model: NgramModel) -> np.ndarray:
    """Gini-Simpson diversity ``1 - sum p_i^2`` of each model's word frequencies (its training text's)."""
    counts = model.unigram_counts()
    p = counts / counts.sum(axis=1, keepdims=True)
    return 1.0 - np.einsum("ij,ij->i", p, p)


def model_metrics(model: NgramModel, real: _RealStatistics, decoded: bool = True) -> np.ndarray:
    """phrases_lost, perplexity and gini_simpson of each model: shape (n_models, 3)."""
    return np.column_stack([phrases_lost(model, real, decoded), model._perplexity(real.heldout[model.order]),
                            gini_simpson(model)])


# -- Samples ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextSample:
    """A document as a page shows it, with its repeated phrases.

    Attributes
    ----------
    text : str
        The document, detokenised.
    tokens : tuple of str
        Its tokens as displayed.
    repeated : tuple of (start, stop)
        Token spans covered by 4-grams that already occurred earlier in the document.
    """

    text: str
    tokens: tuple
    repeated: tuple

    def marked(self, before: str = "<mark>", after: str = "</mark>") -> str:
        """The text with every repeated span wrapped in ``before`` / ``after``."""
        pieces, cut = [], 0
        for start, stop in self.repeated:
            pieces += [(self.tokens[cut:start], False), (self.tokens[start:stop], True)]
            cut = stop
        pieces.append((self.tokens[cut:], False))
        out = ""
        for tokens, marked in pieces:
            if not tokens:
                continue
            chunk = _DETOKENIZER.detokenize(list(tokens))
            chunk = before + chunk + after if marked else chunk
            out += chunk if not out or tokens[0] in {",", ".", ";", ":", "!", "?", "''", "'s", "n't"} else " " + chunk
        return out


def text_sample(corpus: Corpus, document, restarts) -> TextSample:
    """A :class:`TextSample` of one document (token ids and restart flags)."""
    document = np.asarray(document)
    keys = ngram_keys(document[None, :], np.asarray(restarts)[None, :], 4, corpus.vocabulary_size)[0]
    seen, covered = set(), np.zeros(document.size, dtype=bool)
    for end, key in enumerate(keys.tolist(), start=3):
        if key != _SENTINEL:
            if key in seen:
                covered[end - 3 : end + 1] = True
            seen.add(key)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], covered.astype(int), [0]])))
    tokens = tuple(corpus.display_tokens(document))
    spans = tuple(zip(edges[::2].tolist(), edges[1::2].tolist()))
    return TextSample(_DETOKENIZER.detokenize(list(tokens)), tokens, spans)


class ShownDocuments(Mapping):
    """Generation -> its shown documents as :class:`TextSample`, each made when first read.

    Detokenising is most of a page's text work, and a page reads two of a
    run's generations: the rest are never made.
    """

    def __init__(self, corpus: Corpus, kept: dict):
        self._corpus, self._kept, self._made = corpus, kept, {}

    def __getitem__(self, generation: int) -> list[TextSample]:
        if generation not in self._made:
            documents, restarts = self._kept[generation]
            self._made[generation] = [text_sample(self._corpus, d, r) for d, r in zip(documents, restarts)]
        return self._made[generation]

    def __iter__(self):
        return iter(self._kept)

    def __len__(self) -> int:
        return len(self._kept)


class ShownTexts(Mapping):
    """Generation -> its shown documents as detokenised strings (from :class:`ShownDocuments`)."""

    def __init__(self, documents: ShownDocuments):
        self._documents = documents

    def __getitem__(self, generation: int) -> list[str]:
        return [document.text for document in self._documents[generation]]

    def __iter__(self):
        return iter(self._documents)

    def __len__(self) -> int:
        return len(self._documents)


# -- The generational loop ----------------------------------------------------------------

MODES = ("replace", "accumulate", "accumulate_subsample")

#: What the page runs before anyone touches a knob (and simulate_text's defaults):
#: 100 documents of 50 tokens a generation collapse visibly within 5-10 generations
#: (distinct-2 about 0.7 -> 0.15), 20 generations show the long tail, and 3
#: replicates give a band; measured 0.11-0.16 CPU s whatever the synthetic fraction,
#: about the classroom's 0.15 s per request.
PAGE_DEFAULTS = dict(generations=12, sample_size=5_000, document_length=50, ngram_order=2, mode="replace",
                     temperature=1.0, top_k=0, top_p=1.0, replicates=3)


@dataclass(frozen=True)
class TextRun:
    """A text run: tidy metrics, what replicate 0 wrote, and the real phrases it lost.

    Attributes
    ----------
    results : DataFrame
        One row per (generation, replicate): ``generation``, ``replicate``, then
        :data:`TEXT_METRICS`. Generation 0 is real text of the same size (the
        documents round 1 trains on; its perplexity, phrases lost and
        Gini-Simpson are those of the model fitted on it, i.e. generation 1's).
    samples : Mapping
        Generation -> replicate 0's first documents as detokenised strings
        (generation 0: real passages), at the shown generations.
    documents : Mapping
        The same documents as :class:`TextSample` (tokens and repeated 4-gram spans, to highlight);
        both are made when first read.
    lost_phrases : DataFrame
        Among the commonest real trigrams, those replicate 0's last model can
        no longer write: ``phrase``, ``real_count`` (in the training text) and
        ``lost_in`` (the generation since which it cannot), commonest first.
    corpus : Corpus
    """

    results: pd.DataFrame
    samples: dict
    documents: dict
    lost_phrases: pd.DataFrame
    corpus: Corpus


def constant_schedule(generations: int, sample_size: int, synthetic_fraction: float) -> np.ndarray:
    """Synthetic tokens per round for a constant share s: ``floor(s M + 1/2)``, rounds 0 and 1 none."""
    counts = np.full(generations + 1, int(np.floor(synthetic_fraction * sample_size + 0.5)))
    counts[:2] = 0
    return counts


def default_shown_generations(generations: int) -> list[int]:
    """0, 1, 2, 5, 10, 20, 50, ... up to the last generation, and the last one."""
    steps = {mantissa * 10**exponent for mantissa in (1, 2, 5) for exponent in range(6)}
    return sorted({0, generations} | {g for g in steps if g <= generations})


def _check(corpus, generations, sample_size, document_length, mode, ngram_order, temperature, top_k, top_p,
           replicates, synthetic_counts) -> None:
    problems = [
        (generations >= 1, f"generations must be at least 1 (got {generations})"),
        (replicates >= 1, f"replicates must be at least 1 (got {replicates})"),
        (ngram_order in (1, 2, 3), f"ngram_order must be 1, 2 or 3 (got {ngram_order})"),
        (mode in MODES, f"mode must be one of {', '.join(MODES)} (got {mode!r})"),
        (document_length >= 1, f"document_length must be at least 1 (got {document_length})"),
        (sample_size >= document_length,
         f"sample_size ({sample_size}) must hold at least one document of document_length ({document_length}) tokens"),
        (temperature > 0, f"temperature must be above 0 (got {temperature})"),
        (top_k >= 0, f"top_k must be 0 (off) or more (got {top_k})"),
        (0 < top_p <= 1, f"top_p must be in (0, 1] (got {top_p})"),
        (len(synthetic_counts) > generations, f"synthetic_counts needs one count per generation 0..{generations}"),
        (corpus.train.size > document_length,
         f"the corpus's training part ({corpus.train.size} tokens) is shorter than one document ({document_length})"),
    ]
    for ok, message in problems:
        if not ok:
            raise ValueError(message)


def simulate_text(
    corpus: Corpus,
    *,
    generations: int = 12,
    sample_size: int = 5_000,
    synthetic_counts=None,
    document_length: int = 50,
    mode: str = "replace",
    ngram_order: int = 2,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    replicates: int = 3,
    seed: int = 0,
    shown_generations=None,
    shown_documents: int = 3,
    answer_real_weight=None,
) -> TextRun:
    """Retrain an n-gram model, generation after generation, partly on its own text.

    Every round reads D = round(M / document_length) documents of
    ``document_length`` tokens (so M is rounded to whole documents): round 1
    reads D real passages (random sentence starts of the training part; they
    are generation 0), round n reads ``round(syn[n] / document_length)``
    documents written by the generation n-1 model and real passages for the
    rest. ``replace`` fits generation n on round n alone, ``accumulate`` on
    every round so far (counts add up), ``accumulate_subsample`` on D documents
    drawn without replacement from every round so far. Each generation's model
    then writes D documents (decoded with temperature, top-k, top-p); the first
    ones feed the next round and all of them are measured.

    Parameters
    ----------
    corpus : Corpus
    generations, sample_size, document_length, replicates, seed : int
    synthetic_counts : array-like of int, optional
        Synthetic tokens of each round, index = generation (0 and 1 unused);
        default: every round after the first reads only model text (s = 1),
        see :func:`constant_schedule`.
    mode : {"replace", "accumulate", "accumulate_subsample"}
    ngram_order : {1, 2, 3}
    temperature, top_k, top_p : decoding, as in :class:`NgramModel`
    shown_generations : iterable of int, optional
        Generations whose documents ``samples`` keeps (default
        :func:`default_shown_generations`); ``shown_documents`` of replicate 0 each.
    answer_real_weight : array-like of float, optional
        Index = generation: the share of the model's answers retrieved from
        real text (the polluted web's answers). If given, the results also
        measure the answers, D documents of which ``round(w D)`` are real
        passages and the rest the model's own: ``answer_distinct_2`` and
        ``answer_repetition`` (generation 0: the real text's own values).

    Returns
    -------
    TextRun
    """
    G, R, L, V = generations, replicates, document_length, corpus.vocabulary_size
    if synthetic_counts is None:
        synthetic_counts = constant_schedule(G, sample_size, 1.0)
    _check(corpus, G, sample_size, L, mode, ngram_order, temperature, top_k, top_p, R, synthetic_counts)
    D = max(1, int(np.floor(sample_size / L + 0.5)))
    synthetic_documents = np.clip(np.floor(np.asarray(synthetic_counts[: G + 1]) / L + 0.5).astype(int), 0, D)
    starts = corpus.sentence_starts[corpus.sentence_starts + L <= corpus.train.size]
    if not starts.size:
        raise ValueError(f"no sentence of the corpus starts a passage of {L} tokens: lower document_length")
    real = real_statistics(corpus)
    shown = set(default_shown_generations(G) if shown_generations is None else shown_generations)
    children = np.random.SeedSequence(seed).spawn(R)
    generators = [np.random.default_rng(child) for child in children]
    model = NgramModel(ngram_order, temperature, top_k, top_p)
    groups = np.repeat(np.arange(R), D)
    values = np.empty((G + 1, R, len(TEXT_METRICS)))
    answers = None if answer_real_weight is None else np.empty((G + 1, R, 2))
    # the answers' retrieved passages: streams of their own, so measuring answers leaves the models' draws alone
    retrievers = [np.random.default_rng(child.spawn(1)[0]) for child in children] if answers is not None else []
    kept = {}  # generation -> its shown documents' tokens and restarts; TextSamples made when read
    documents = ShownDocuments(corpus, kept)
    samples = ShownTexts(documents)
    alive_since = np.full(len(real.phrases), -1)  # replicate 0: generation since which each phrase is lost
    pool = pool_documents = pool_restarts = None
    if mode == "accumulate_subsample":
        pool_documents = np.empty((R, G * D, L), dtype=np.int32)
        pool_restarts = np.empty((R, G * D, L), dtype=bool)

    def keep_samples(g, docs, flags):
        if g in shown:  # copies: a view would keep the generation's whole array alive in the cache
            kept[g] = (np.array(docs[:shown_documents]), np.array(flags[:shown_documents]))

    written = written_restarts = None
    for g in range(1, G + 1):
        n_synthetic = int(synthetic_documents[g]) if g > 1 else 0
        n_real = D - n_synthetic
        picks = np.stack([rng.integers(starts.size, size=n_real) for rng in generators])
        round_documents = np.empty((R, D, L), dtype=np.int32)
        round_restarts = first_restarts((R * D, L)).reshape(R, D, L)
        round_documents[:, :n_real] = corpus.train[starts[picks][..., None] + np.arange(L)]
        if n_synthetic:
            round_documents[:, n_real:] = written.reshape(R, D, L)[:, :n_synthetic]
            round_restarts[:, n_real:] = written_restarts.reshape(R, D, L)[:, :n_synthetic]
        training, training_restarts = round_documents, round_restarts
        if mode == "accumulate_subsample":
            pool_documents[:, (g - 1) * D : g * D] = round_documents
            pool_restarts[:, (g - 1) * D : g * D] = round_restarts
            if g > 1:  # D documents without replacement from the pool of g D
                keys = np.stack([rng.random(g * D) for rng in generators])
                chosen = np.argpartition(keys, D - 1, axis=1)[:, :D]
                rows = np.arange(R)[:, None]
                training, training_restarts = pool_documents[rows, chosen], pool_restarts[rows, chosen]
        training, training_restarts = training.reshape(R * D, L), training_restarts.reshape(R * D, L)
        model.fit(training, training_restarts, groups, V, R, prior=pool if mode == "accumulate" else None)
        if mode == "accumulate":
            pool = model.statistics()
        if g == 1:  # generation 0: the real text round 1 read, and what it contains
            real_documents = round_documents.reshape(R * D, L)
            values[0, :, :5] = text_metrics(real_documents, round_restarts.reshape(R * D, L), R, V)
            values[0, :, 5:] = model_metrics(model, real, decoded=False)
            if answers is not None:
                answers[0] = values[0][:, [1, 4]]
            keep_samples(0, real_documents, round_restarts.reshape(R * D, L))
        uniforms = np.stack([rng.random((D, L)) for rng in generators])
        written, written_restarts = model.sample(D, L, uniforms)
        values[g, :, :5] = text_metrics(written, written_restarts, R, V)
        if answers is not None:  # retrieved real passages in place of the model's first documents
            retrieved = min(D, int(np.floor(answer_real_weight[g] * D + 0.5)))
            picks = np.stack([rng.integers(starts.size, size=retrieved) for rng in retrievers])
            answer, answer_restarts = written.reshape(R, D, L).copy(), written_restarts.reshape(R, D, L).copy()
            answer[:, :retrieved] = corpus.train[starts[picks][..., None] + np.arange(L)]
            answer_restarts[:, :retrieved] = first_restarts((R * retrieved, L)).reshape(R, retrieved, L)
            answers[g] = text_metrics(answer.reshape(R * D, L), answer_restarts.reshape(R * D, L), R, V)[:, [1, 4]]
        values[g, :, 5:] = model_metrics(model, real)
        keep_samples(g, written, written_restarts)
        able = model.can_write(real.phrases, model=0)
        alive_since[(alive_since < 0) & ~able] = g
        alive_since[able] = -1  # (re)learnt from fresh text

    frame = pd.DataFrame(values.reshape(-1, len(TEXT_METRICS)), columns=TEXT_METRICS)
    frame.insert(0, "replicate", np.tile(np.arange(R), G + 1))
    frame.insert(0, "generation", np.repeat(np.arange(G + 1), R))
    frame["words_used"] = frame["words_used"].astype(np.int64)
    if answers is not None:
        frame["answer_distinct_2"] = answers[..., 0].ravel()
        frame["answer_repetition"] = answers[..., 1].ravel()
    lost = np.flatnonzero(alive_since >= 0)[:LOST_PHRASES_SHOWN]
    lost_phrases = pd.DataFrame({
        "phrase": [corpus.phrase_text(real.phrases[i]) for i in lost],
        "real_count": real.phrase_counts[lost].astype(np.int64),
        "lost_in": alive_since[lost],
    })
    return TextRun(frame, samples, documents, lost_phrases, corpus)


# -- Cost model ---------------------------------------------------------------------------------

#: What the cost of a run grows with (see :func:`cost_features`).
COST_FEATURES = (
    "token_order_1", "token_order_2", "token_order_3",  # tokens written, fitted and measured
    "diverse_token",  # x order: extra work while fresh text keeps the model diverse (not pure self-training)
    "heldout_pair",  # held-out tokens x orders looked up for perplexity
    "vocabulary_word",  # dense per-word arrays (word counts, distinct words)
    "replicate_generation",  # fixed cost of a model's fit and measures
    "position",  # one vectorised sampling step (all documents of all replicates)
    "truncated_token",  # top-k / top-p: a sort of every context's distribution
    "pool_pair",  # accumulate: the pool's distinct pairs sorted again each round
    "pool_document",  # accumulate-subsample: a key per pooled document each round
    "run",  # tables, phrases, samples
)
#: CPU seconds per unit of each feature, fitted by benchmarks/bench_text.py (non-negative
#: least squares, 40 runs, within 15 % of each) on this project's 2-core machine while
#: it was shared, so the estimates err on the dear side. The grid cannot tell the
#: vocabulary's share apart (its corpora have 3,000 and 8,200 words): that unit is
#: set by hand from the dense passes over V a generation makes.
COST_PER_UNIT = np.array([80e-9, 100e-9, 290e-9, 29e-9, 24e-9, 10e-9, 0.0, 17e-6, 67e-9, 46e-9, 29e-9, 9.7e-3])


def cost_features(generations: int, replicates: int, sample_size: int, ngram_order: int = 2,
                  document_length: int = 50, mode: str = "replace", synthetic_fraction: float = 1.0,
                  truncated: bool = False, vocabulary_size: int = 8_200, corpus_size: int = 126_000) -> np.ndarray:
    """The amounts of work of a run, in the units of :data:`COST_FEATURES`.

    ``corpus_size`` is the corpus's tokens (train + held-out; a tenth is
    held out), ``truncated`` whether top-k or top-p is on. A model that reads
    only its own text (s = 1, replace) loses phrases fast and gets cheaper;
    any fresh text keeps it about as dear as real text.
    """
    G, R, L = generations, replicates, document_length
    tokens = max(1, int(np.floor(sample_size / L + 0.5))) * L
    per_order = [G * R * tokens if ngram_order == k else 0 for k in (1, 2, 3)]
    diverse = 0 if (synthetic_fraction >= 1.0 and mode == "replace") else G * R * tokens * ngram_order
    train = 0.9 * corpus_size
    pool = R * sum(min(g * tokens, train) for g in range(1, G + 1)) if mode == "accumulate" else 0
    documents = R * tokens / L * G * (G + 1) / 2 if mode == "accumulate_subsample" else 0
    return np.array(per_order + [diverse, G * R * corpus_size / 10 * ngram_order, G * R * vocabulary_size, G * R,
                                 G * L, G * R * tokens * truncated, pool, documents, 1.0], dtype=float)


def estimate_seconds(generations: int, replicates: int, sample_size: int, ngram_order: int = 2,
                     document_length: int = 50, mode: str = "replace", synthetic_fraction: float = 1.0,
                     truncated: bool = False, vocabulary_size: int = 8_200, corpus_size: int = 126_000) -> float:
    """Rough CPU seconds of :func:`simulate_text` (defaults: the Sherlock Holmes corpus).

    A sum of unit costs (:data:`COST_PER_UNIT`) times amounts of work
    (:func:`cost_features`), calibrated by benchmarks/bench_text.py; the work
    budget needs it right to a factor of about 2.
    """
    features = cost_features(generations, replicates, sample_size, ngram_order, document_length, mode,
                             synthetic_fraction, truncated, vocabulary_size, corpus_size)
    return float(features @ COST_PER_UNIT)


# -- A scenario's run ------------------------------------------------------------------------


def make_corpus(scenario: Scenario, data: str | None = None) -> Corpus:
    """The real prose a scenario names (``data``: your text, for world "custom_prose")."""
    if scenario.world == "custom_prose":
        if data is None:
            raise ValueError("the custom_prose world needs a text: upload or paste one, or pass --data FILE.txt")
        return corpus_from_text(data)
    return load_corpus(scenario.world)


def make_model(scenario: Scenario) -> NgramModel:
    """The (unfitted) language model a scenario names, with its decoding."""
    return NgramModel(scenario.ngram_order, scenario.temperature, scenario.top_k, scenario.top_p)


def simulate_scenario(scenario: Scenario, world: Corpus, synthetic_counts=None, answer_real_weight=None,
                      progress=None) -> tuple[pd.DataFrame, TextRun]:
    """:func:`simulate_text` for a scenario: its tidy table and the run (with ``answer_real_weight``, its answers)."""
    counts = synthetic_schedule(scenario) if synthetic_counts is None else synthetic_counts
    run = simulate_text(world, generations=scenario.generations, sample_size=scenario.sample_size,
                        synthetic_counts=counts, document_length=scenario.document_length, mode=scenario.mode,
                        ngram_order=scenario.ngram_order, temperature=scenario.temperature, top_k=scenario.top_k,
                        top_p=scenario.top_p, replicates=scenario.replicates, seed=scenario.seed,
                        shown_generations=range(scenario.generations + 1), shown_documents=2,
                        answer_real_weight=answer_real_weight)
    return run.results, run


def scenario_seconds(knobs: dict) -> float:
    """:func:`estimate_seconds` for a scenario's knobs (the Sherlock Holmes corpus's size for any text)."""
    # (a web run arrives priced as a mix: budget.estimate_seconds sets its synthetic share and "answers")
    seconds = estimate_seconds(knobs["generations"], knobs["replicates"], knobs["sample_size"], knobs["ngram_order"],
                               knobs["document_length"], knobs["mode"], knobs["synthetic_fraction"],
                               truncated=knobs["top_k"] > 0 or knobs["top_p"] < 1)
    # the web's answers are written text measured a second time (measured: +30 % at the web page's sizes)
    return seconds * 1.3 if knobs.get("answers") else seconds
