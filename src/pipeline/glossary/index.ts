/** The aligned glossary (config/glossary.yaml): which entries a text names, in any language, and where. */
export {
  type CompiledGlossary,
  compileGlossary,
  compilePairs,
  foldTerm,
  type GlossaryEntryLike,
  type GlossaryMatch,
  type GlossaryPair,
  glossaryPairs,
  matchGlossary,
} from './match.js';
