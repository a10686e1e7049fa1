import { msg } from '../common/i18n/message.js';
import { accentContrast, brandOf, DEFAULT_ACCENT, isColour, MIN_CONTRAST, usableAccent } from '../tenancy/brand.js';
import type { InstanceSettings } from '../tenancy/tenant-settings.repository.js';

/**
 * The branding half of the Settings page: the fields' values (typed or saved), the current logo,
 * and, when the saved accent colour is too light or too dark for text, why the default is used.
 */
export function brandingView(values: InstanceSettings & { instanceName: string }, saved: InstanceSettings) {
  const colour = typeof values.accentColour === 'string' ? values.accentColour.toLowerCase() : '';
  const savedColour = saved.accentColour;
  const logo = brandOf({ accent_colour: null, logo_hash: saved.logoHash, logo_type: saved.logoType });
  return {
    displayNameValue: values.displayName ?? '',
    accentColourValue: isColour(colour) ? colour : DEFAULT_ACCENT,
    currentLogoUrl: logo.logoUrl,
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
