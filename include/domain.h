/* Names of the domain's enumerations: member roles and case kinds. */
#ifndef REFLECTD_DOMAIN_H
#define REFLECTD_DOMAIN_H

enum role {
	ROLE_MANAGER = 0,
	ROLE_PSYCHOLOGIST,
	ROLE_SOCIAL_WORKER,
	ROLE_SENIOR_PRACTITIONER,
	ROLE_ASYE,
	ROLE_YOUTH_WORKER,
	ROLE_FAMILY_PRACTITIONER,
	ROLE_OTHER,
	ROLE_COUNT
};

enum case_kind {
	KIND_CP = 0,
	KIND_CIN,
	KIND_LAC,
	KIND_CARE_LEAVER,
	KIND_EARLY_HELP,
	KIND_OTHER,
	KIND_COUNT
};

const char	*role_name(enum role);
int		 role_parse(const char *);		/* -1 if unknown */
int		 role_holds_cases(enum role);
const char	*case_kind_name(enum case_kind);
int		 case_kind_parse(const char *);		/* -1 if unknown */

#endif
