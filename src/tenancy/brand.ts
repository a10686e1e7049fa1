/**
 * An instance's look (Security > Settings): display name, logo and accent colour. What a page or
 * mail needs of it travels with the cached tenant; the logo's bytes are read only by its own route.
 */
export type LogoType = 'image/png' | 'image/jpeg';

export interface Brand {
  /** The colour pages and mails use: the saved one when it keeps AA contrast, else null (the default). */
  accent: string | null;
  /** `/branding/theme-<rrggbb>.css` for a usable accent colour. */
  themeUrl: string | null;
  /** `/branding/logo-<hash>.png|jpg`, changing with the logo's content; null without a logo. */
  logoUrl: string | null;
  logoHash: string | null;
}

/** The stylesheet's own accent (public/css/app.css). */
export const DEFAULT_ACCENT = '#1f5f8b';
export const MIN_CONTRAST = 4.5;
/** White (cards, button text) and the page background of public/css/app.css. */
const BACKGROUNDS = ['#ffffff', '#f6f7f8'];
export const MAX_LOGO_BYTES = 256 * 1024;
export const HASH_IN_URL = 32;

const COLOUR = /^#[0-9a-f]{6}$/;

export function isColour(value: string): boolean {
  return COLOUR.test(value);
}

function luminance(colour: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(colour.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The lowest contrast of the colour as text on the backgrounds, and of white text on it (buttons). */
export function accentContrast(colour: string): number {
  return Math.min(...BACKGROUNDS.map((bg) => contrastRatio(colour, bg)));
}

/** The colour when it keeps AA contrast (4.5:1) for text and buttons, else null. */
export function usableAccent(colour: string | null | undefined): string | null {
  return colour && isColour(colour) && accentContrast(colour) >= MIN_CONTRAST ? colour : null;
}

/** The hover shade of a button: the colour a quarter darker (darker keeps the contrast). */
export function darker(colour: string): string {
  return (
    '#' +
    [1, 3, 5]
      .map((i) =>
        Math.round(parseInt(colour.slice(i, i + 2), 16) * 0.75)
          .toString(16)
          .padStart(2, '0'),
      )
      .join('')
  );
}

export function logoExtension(type: LogoType): 'png' | 'jpg' {
  return type === 'image/png' ? 'png' : 'jpg';
}

/** PNG or JPEG by the file's first bytes (never by its name or the type the browser claims). */
export function sniffLogo(bytes: Buffer): LogoType | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

/** Where the logo is served: changes with its content; null without a logo. */
export function logoUrlOf(hash: string | null, type: string | null): string | null {
  return hash && (type === 'image/png' || type === 'image/jpeg') ? `/branding/logo-${hash.slice(0, HASH_IN_URL)}.${logoExtension(type)}` : null;
}

export function brandOf(row: { accent_colour: string | null; logo_hash: string | null; logo_type: string | null }): Brand {
  const accent = usableAccent(row.accent_colour);
  return {
    accent,
    themeUrl: accent ? `/branding/theme-${accent.slice(1)}.css` : null,
    logoUrl: logoUrlOf(row.logo_hash, row.logo_type),
    logoHash: row.logo_hash,
  };
}
