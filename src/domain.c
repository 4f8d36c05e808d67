/* Names of roles and case kinds, as they appear in config, commands and CSV. */
#include <string.h>

#include "domain.h"

static const char *role_names[ROLE_COUNT] = {
	[ROLE_MANAGER] = "manager",
	[ROLE_PSYCHOLOGIST] = "psychologist",
	[ROLE_SOCIAL_WORKER] = "social_worker",
	[ROLE_SENIOR_PRACTITIONER] = "senior_practitioner",
	[ROLE_ASYE] = "asye",
	[ROLE_YOUTH_WORKER] = "youth_worker",
	[ROLE_FAMILY_PRACTITIONER] = "family_practitioner",
	[ROLE_OTHER] = "other",
};

static const char *kind_names[KIND_COUNT] = {
	[KIND_CP] = "cp",
	[KIND_CIN] = "cin",
	[KIND_LAC] = "lac",
	[KIND_CARE_LEAVER] = "care_leaver",
	[KIND_EARLY_HELP] = "early_help",
	[KIND_OTHER] = "other",
};

const char *
role_name(enum role r)
{
	if ((unsigned)r >= ROLE_COUNT)
		return ("other");
	return (role_names[r]);
}

int
role_parse(const char *s)
{
	int	i;

	for (i = 0; i < ROLE_COUNT; i++)
		if (strcmp(s, role_names[i]) == 0)
			return (i);
	return (-1);
}

int
role_holds_cases(enum role r)
{
	switch (r) {
	case ROLE_SOCIAL_WORKER:
	case ROLE_SENIOR_PRACTITIONER:
	case ROLE_ASYE:
	case ROLE_YOUTH_WORKER:
	case ROLE_FAMILY_PRACTITIONER:
		return (1);
	default:
		return (0);
	}
}

const char *
case_kind_name(enum case_kind k)
{
	if ((unsigned)k >= KIND_COUNT)
		return ("other");
	return (kind_names[k]);
}

int
case_kind_parse(const char *s)
{
	int	i;

	for (i = 0; i < KIND_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (i);
	return (-1);
}
