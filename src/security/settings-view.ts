import { msg } from '../common/i18n/message.js';
import { accentContrast, DEFAULT_ACCENT, isColour, logoUrlOf, MIN_CONTRAST, usableAccent } from '../tenancy/brand.js';
import type { InstanceSettings } from '../tenancy/tenant-settings.repository.js';

/**
 * The branding half of the Settings page: the fields' values (typed or saved), the current logo,
 * and, when the saved accent colour is too light or too dark for text, why the default is used.
 */
export function brandingView(values: InstanceSettings & { instanceName: string }, saved: InstanceSettings) {
  const colour = typeof values.accentColour === 'string' ? values.accentColour.toLowerCase() : '';
  const savedColour = saved.accentColour;
  return {
    displayNameValue: values.displayName ?? '',
    accentColourValue: isColour(colour) ? colour : DEFAULT_ACCENT,
    currentLogoUrl: logoUrlOf(saved.logoHash, saved.logoType),
    currentLogoAlt: saved.displayName || values.instanceName,
    accentWarning:
      savedColour && !usableAccent(savedColour)
        ? msg('brand.accentWarning', {
            colour: savedColour,
            contrast: accentContrast(savedColour).toFixed(1),
            min: String(MIN_CONTRAST),
            fallback: DEFAULT_ACCENT,
          })
        : undefined,
  };
}
