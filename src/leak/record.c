#include "leak/record.h"

#include <stddef.h>

const char *bc_class_name(unsigned bit)
{
	static const char *const names[32] = {
		[BC_CLASS_NAME] = "name",
		[BC_CLASS_NIR] = "nir",
		[BC_CLASS_DOB] = "dob",
		[BC_CLASS_SEX] = "sex",
		[BC_CLASS_ADDRESS] = "address",
		[BC_CLASS_EMAIL] = "email",
		[BC_CLASS_PHONE] = "phone",
		[BC_CLASS_BLOOD_GROUP] = "blood_group",
		[BC_CLASS_DOCTOR] = "doctor",
		[BC_CLASS_INSURER] = "insurer",
		[BC_CLASS_LAB_VISIT] = "lab_visit",
		[BC_CLASS_SAMPLE_DATE] = "sample_date",
		[BC_CLASS_MEDICAL_COMMENT] = "medical_comment",
		[BC_CLASS_PREGNANCY] = "pregnancy",
		[BC_CLASS_HIV] = "hiv",
		[BC_CLASS_HEPATITIS] = "hepatitis",
		[BC_CLASS_OTHER_MEDICAL] = "other_medical",
		[BC_FLAG_MORE_SOURCES] = "more_sources",
		[BC_FLAG_SHARED] = "shared",
	};

	return bit < 32 ? names[bit] : NULL;
}
