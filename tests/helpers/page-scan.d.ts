export interface VisibleText {
  text: string;
  data: boolean;
  tag: string;
}
export function visibleTexts(): VisibleText[];
export interface DomSafety {
  scripts: Array<{ type: string; src: string; id: string; nonce: boolean }>;
  onAttrs: string[];
  badUrls: string[];
  relMissing: string[];
  forbidden: string[];
  elements: number;
}
export function domSafety(): DomSafety;
export function catalogueKeys(): { lang: string; keys: string[]; messages: Record<string, string> };
