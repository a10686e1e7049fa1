/** The four user types of the seed; the two invitation types cannot log in. */
export const USER_TYPES = ['Internal', 'External', 'Invitation Internal (No login)', 'Invitation External (No login)'] as const;
export type UserType = (typeof USER_TYPES)[number];

const ACCEPTED_TYPE: Partial<Record<UserType, UserType>> = {
  'Invitation Internal (No login)': 'Internal',
  'Invitation External (No login)': 'External',
};

export function isInvitationType(type: string): boolean {
  return Object.hasOwn(ACCEPTED_TYPE, type);
}

export function canLogIn(type: string): boolean {
  return type === 'Internal' || type === 'External';
}

/** Each invitation type with the type it becomes on acceptance. */
export const ACCEPTED_TYPES = Object.entries(ACCEPTED_TYPE) as [UserType, UserType][];
