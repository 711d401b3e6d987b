// A 3x5 pixel digit font, enough to number the ions on an annotated frame without a text
// renderer (SVG text through sharp costs milliseconds per frame; this costs microseconds).
const GLYPHS: Record<string, string> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001001001001',
  '8': '111101111101111',
  '9': '111101111001111',
};

export const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;

/** Calls plot(x, y) for every lit pixel of `text` drawn at (x, y), each font pixel `scale` wide. */
export function drawDigits(text: string, x: number, y: number, scale: number, plot: (x: number, y: number) => void): void {
  for (let i = 0; i < text.length; i++) {
    const glyph = GLYPHS[text[i]];
    if (!glyph) continue;
    const gx = x + i * (GLYPH_WIDTH + 1) * scale;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (glyph[row * GLYPH_WIDTH + col] !== '1') continue;
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) plot(gx + col * scale + dx, y + row * scale + dy);
      }
    }
  }
}
