-- PostgreSQL: one table per entity, each partition loaded with psql's \copy.
-- Run from the CDM folder (partition paths are relative): psql -f load.sql
\set ON_ERROR_STOP on

BEGIN;
DROP TABLE IF EXISTS "LocalAllergyIntolerance";
CREATE TABLE "LocalAllergyIntolerance" (
    "ResourceId" text NULL,
    "Id" text NULL,
    "ClinicalStatusCodingSystem" text NULL,
    "ClinicalStatusCodingVersion" text NULL,
    "ClinicalStatusCodingCode" text NULL,
    "ClinicalStatusCodingDisplay" text NULL,
    "ClinicalStatusCodingUserSelected" boolean NULL,
    "ClinicalStatusText" text NULL,
    "VerificationStatusCodingSystem" text NULL,
    "VerificationStatusCodingVersion" text NULL,
    "VerificationStatusCodingCode" text NULL,
    "VerificationStatusCodingDisplay" text NULL,
    "VerificationStatusCodingUserSelected" boolean NULL,
    "VerificationStatusText" text NULL,
    "Type" text NULL,
    "Criticality" text NULL,
    "CodeCodingSystem" text NULL,
    "CodeCodingVersion" text NULL,
    "CodeCodingCode" text NULL,
    "CodeCodingDisplay" text NULL,
    "CodeCodingUserSelected" boolean NULL,
    "CodeText" text NULL,
    "PatientReference" text NULL,
    "PatientType" text NULL,
    "PatientIdentifierUse" text NULL,
    "PatientIdentifierTypeText" text NULL,
    "PatientIdentifierSystem" text NULL,
    "PatientIdentifierValue" text NULL,
    "PatientDisplay" text NULL,
    "RecordedDate" timestamptz NULL,
    "ReactionSubstanceText" text NULL,
    "ReactionManifestationText" text NULL,
    "ReactionDescription" text NULL,
    "ReactionOnset" timestamptz NULL,
    "ReactionSeverity" text NULL,
    "Category" text NULL
);
\copy "LocalAllergyIntolerance" FROM 'data/LocalAllergyIntolerance/partition-data-AllergyIntolerance-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalAllergyIntoleranceReactionManifestation";
CREATE TABLE "LocalAllergyIntoleranceReactionManifestation" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "CodingSystem" text NULL,
    "CodingVersion" text NULL,
    "CodingCode" text NULL,
    "CodingDisplay" text NULL,
    "CodingUserSelected" boolean NULL,
    "Text" text NULL
);
\copy "LocalAllergyIntoleranceReactionManifestation" FROM 'data/LocalAllergyIntoleranceReactionManifestation/partition-data-AllergyIntolerance-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalCondition";
CREATE TABLE "LocalCondition" (
    "ResourceId" text NULL,
    "Id" text NULL,
    "ClinicalStatusCodingSystem" text NULL,
    "ClinicalStatusCodingVersion" text NULL,
    "ClinicalStatusCodingCode" text NULL,
    "ClinicalStatusCodingDisplay" text NULL,
    "ClinicalStatusCodingUserSelected" boolean NULL,
    "ClinicalStatusText" text NULL,
    "VerificationStatusCodingSystem" text NULL,
    "VerificationStatusCodingVersion" text NULL,
    "VerificationStatusCodingCode" text NULL,
    "VerificationStatusCodingDisplay" text NULL,
    "VerificationStatusCodingUserSelected" boolean NULL,
    "VerificationStatusText" text NULL,
    "CategoryCodingSystem" text NULL,
    "CategoryCodingVersion" text NULL,
    "CategoryCodingCode" text NULL,
    "CategoryCodingDisplay" text NULL,
    "CategoryCodingUserSelected" boolean NULL,
    "CategoryText" text NULL,
    "CodeCodingSystem" text NULL,
    "CodeCodingVersion" text NULL,
    "CodeCodingCode" text NULL,
    "CodeCodingDisplay" text NULL,
    "CodeCodingUserSelected" boolean NULL,
    "CodeText" text NULL,
    "SubjectReference" text NULL,
    "SubjectType" text NULL,
    "SubjectIdentifierUse" text NULL,
    "SubjectIdentifierTypeText" text NULL,
    "SubjectIdentifierSystem" text NULL,
    "SubjectIdentifierValue" text NULL,
    "SubjectDisplay" text NULL,
    "EncounterReference" text NULL,
    "EncounterType" text NULL,
    "EncounterIdentifierUse" text NULL,
    "EncounterIdentifierTypeText" text NULL,
    "EncounterIdentifierSystem" text NULL,
    "EncounterIdentifierValue" text NULL,
    "EncounterDisplay" text NULL,
    "AbatementDateTime" timestamptz NULL,
    "RecordedDate" timestamptz NULL,
    "OnsetDateTime" timestamptz NULL
);
\copy "LocalCondition" FROM 'data/LocalCondition/partition-data-Condition-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalConditionCodeCoding";
CREATE TABLE "LocalConditionCodeCoding" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "System" text NULL,
    "Version" text NULL,
    "Code" text NULL,
    "Display" text NULL,
    "UserSelected" boolean NULL
);
\copy "LocalConditionCodeCoding" FROM 'data/LocalConditionCodeCoding/partition-data-Condition-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalEncounter";
CREATE TABLE "LocalEncounter" (
    "ResourceId" text NULL,
    "Id" text NULL,
    "IdentifierUse" text NULL,
    "IdentifierTypeCodingSystem" text NULL,
    "IdentifierTypeCodingVersion" text NULL,
    "IdentifierTypeCodingCode" text NULL,
    "IdentifierTypeCodingDisplay" text NULL,
    "IdentifierTypeCodingUserSelected" boolean NULL,
    "IdentifierTypeText" text NULL,
    "IdentifierSystem" text NULL,
    "IdentifierValue" text NULL,
    "IdentifierPeriodStart" timestamptz NULL,
    "IdentifierPeriodEnd" timestamptz NULL,
    "IdentifierAssignerReference" text NULL,
    "IdentifierAssignerType" text NULL,
    "IdentifierAssignerDisplay" text NULL,
    "Status" text NULL,
    "ClassSystem" text NULL,
    "ClassVersion" text NULL,
    "ClassCode" text NULL,
    "ClassDisplay" text NULL,
    "ClassUserSelected" boolean NULL,
    "TypeCodingSystem" text NULL,
    "TypeCodingVersion" text NULL,
    "TypeCodingCode" text NULL,
    "TypeCodingDisplay" text NULL,
    "TypeCodingUserSelected" boolean NULL,
    "TypeText" text NULL,
    "SubjectReference" text NULL,
    "SubjectType" text NULL,
    "SubjectIdentifierUse" text NULL,
    "SubjectIdentifierTypeText" text NULL,
    "SubjectIdentifierSystem" text NULL,
    "SubjectIdentifierValue" text NULL,
    "SubjectDisplay" text NULL,
    "ParticipantTypeCodingSystem" text NULL,
    "ParticipantTypeCodingVersion" text NULL,
    "ParticipantTypeCodingCode" text NULL,
    "ParticipantTypeCodingDisplay" text NULL,
    "ParticipantTypeCodingUserSelected" boolean NULL,
    "ParticipantTypeText" text NULL,
    "ParticipantPeriodStart" timestamptz NULL,
    "ParticipantPeriodEnd" timestamptz NULL,
    "ParticipantIndividualReference" text NULL,
    "ParticipantIndividualType" text NULL,
    "ParticipantIndividualDisplay" text NULL,
    "PeriodStart" timestamptz NULL,
    "PeriodEnd" timestamptz NULL,
    "ReasonCodeCodingSystem" text NULL,
    "ReasonCodeCodingVersion" text NULL,
    "ReasonCodeCodingCode" text NULL,
    "ReasonCodeCodingDisplay" text NULL,
    "ReasonCodeCodingUserSelected" boolean NULL,
    "ReasonCodeText" text NULL,
    "HospitalizationAdmitSourceText" text NULL,
    "HospitalizationDischargeDispositionText" text NULL,
    "LocationLocationReference" text NULL,
    "LocationLocationType" text NULL,
    "LocationLocationDisplay" text NULL,
    "LocationStatus" text NULL,
    "LocationPeriodStart" timestamptz NULL,
    "LocationPeriodEnd" timestamptz NULL,
    "ServiceProviderReference" text NULL,
    "ServiceProviderType" text NULL,
    "ServiceProviderIdentifierUse" text NULL,
    "ServiceProviderIdentifierTypeText" text NULL,
    "ServiceProviderIdentifierSystem" text NULL,
    "ServiceProviderIdentifierValue" text NULL,
    "ServiceProviderDisplay" text NULL
);
\copy "LocalEncounter" FROM 'data/LocalEncounter/partition-data-Encounter-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalEncounterParticipant";
CREATE TABLE "LocalEncounterParticipant" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "TypeCodingSystem" text NULL,
    "TypeCodingVersion" text NULL,
    "TypeCodingCode" text NULL,
    "TypeCodingDisplay" text NULL,
    "TypeCodingUserSelected" boolean NULL,
    "TypeText" text NULL,
    "PeriodStart" timestamptz NULL,
    "PeriodEnd" timestamptz NULL,
    "IndividualReference" text NULL,
    "IndividualType" text NULL,
    "IndividualDisplay" text NULL
);
\copy "LocalEncounterParticipant" FROM 'data/LocalEncounterParticipant/partition-data-Encounter-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalEncounterTypeCoding";
CREATE TABLE "LocalEncounterTypeCoding" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "System" text NULL,
    "Version" text NULL,
    "Code" text NULL,
    "Display" text NULL,
    "UserSelected" boolean NULL
);
\copy "LocalEncounterTypeCoding" FROM 'data/LocalEncounterTypeCoding/partition-data-Encounter-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalImmunization";
CREATE TABLE "LocalImmunization" (
    "ResourceId" text NULL,
    "Id" text NULL,
    "Status" text NULL,
    "VaccineCodeCodingSystem" text NULL,
    "VaccineCodeCodingVersion" text NULL,
    "VaccineCodeCodingCode" text NULL,
    "VaccineCodeCodingDisplay" text NULL,
    "VaccineCodeCodingUserSelected" boolean NULL,
    "VaccineCodeText" text NULL,
    "PatientReference" text NULL,
    "PatientType" text NULL,
    "PatientIdentifierUse" text NULL,
    "PatientIdentifierTypeText" text NULL,
    "PatientIdentifierSystem" text NULL,
    "PatientIdentifierValue" text NULL,
    "PatientDisplay" text NULL,
    "EncounterReference" text NULL,
    "EncounterType" text NULL,
    "EncounterIdentifierUse" text NULL,
    "EncounterIdentifierTypeText" text NULL,
    "EncounterIdentifierSystem" text NULL,
    "EncounterIdentifierValue" text NULL,
    "EncounterDisplay" text NULL,
    "PrimarySource" boolean NULL,
    "LocationReference" text NULL,
    "LocationType" text NULL,
    "LocationIdentifierUse" text NULL,
    "LocationIdentifierTypeText" text NULL,
    "LocationIdentifierSystem" text NULL,
    "LocationIdentifierValue" text NULL,
    "LocationDisplay" text NULL,
    "OccurrenceDateTime" timestamptz NULL
);
\copy "LocalImmunization" FROM 'data/LocalImmunization/partition-data-Immunization-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalLocation";
CREATE TABLE "LocalLocation" (
    "ResourceId" text NULL,
    "Id" text NULL,
    "Status" text NULL,
    "Name" text NULL,
    "TelecomSystem" text NULL,
    "TelecomValue" text NULL,
    "TelecomUse" text NULL,
    "TelecomRank" bigint NULL,
    "TelecomPeriodStart" timestamptz NULL,
    "TelecomPeriodEnd" timestamptz NULL,
    "AddressUse" text NULL,
    "AddressType" text NULL,
    "AddressText" text NULL,
    "AddressCity" text NULL,
    "AddressDistrict" text NULL,
    "AddressState" text NULL,
    "AddressPostalCode" text NULL,
    "AddressCountry" text NULL,
    "AddressPeriodStart" timestamptz NULL,
    "AddressPeriodEnd" timestamptz NULL,
    "AddressLine" text NULL,
    "AddressLines" text NULL,
    "PositionLongitude" numeric NULL,
    "PositionLatitude" numeric NULL,
    "PositionAltitude" numeric NULL,
    "ManagingOrganizationReference" text NULL,
    "ManagingOrganizationType" text NULL,
    "ManagingOrganizationIdentifierUse" text NULL,
    "ManagingOrganizationIdentifierTypeText" text NULL,
    "ManagingOrganizationIdentifierSystem" text NULL,
    "ManagingOrganizationIdentifierValue" text NULL,
    "ManagingOrganizationDisplay" text NULL
);
\copy "LocalLocation" FROM 'data/LocalLocation/partition-data-Location-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalMedicationRequest";
CREATE TABLE "LocalMedicationRequest" (
    "ResourceId" text NULL,
    "Id" text NULL,
    "Status" text NULL,
    "Intent" text NULL,
    "CategoryCodingSystem" text NULL,
    "CategoryCodingVersion" text NULL,
    "CategoryCodingCode" text NULL,
    "CategoryCodingDisplay" text NULL,
    "CategoryCodingUserSelected" boolean NULL,
    "CategoryText" text NULL,
    "MedicationCodeableConceptCodingSystem" text NULL,
    "MedicationCodeableConceptCodingVersion" text NULL,
    "MedicationCodeableConceptCodingCode" text NULL,
    "MedicationCodeableConceptCodingDisplay" text NULL,
    "MedicationCodeableConceptCodingUserSelected" boolean NULL,
    "MedicationCodeableConceptText" text NULL,
    "SubjectReference" text NULL,
    "SubjectType" text NULL,
    "SubjectIdentifierUse" text NULL,
    "SubjectIdentifierTypeText" text NULL,
    "SubjectIdentifierSystem" text NULL,
    "SubjectIdentifierValue" text NULL,
    "SubjectDisplay" text NULL,
    "EncounterReference" text NULL,
    "EncounterType" text NULL,
    "EncounterIdentifierUse" text NULL,
    "EncounterIdentifierTypeText" text NULL,
    "EncounterIdentifierSystem" text NULL,
    "EncounterIdentifierValue" text NULL,
    "EncounterDisplay" text NULL,
    "AuthoredOn" timestamptz NULL,
    "RequesterReference" text NULL,
    "RequesterType" text NULL,
    "RequesterIdentifierUse" text NULL,
    "RequesterIdentifierTypeText" text NULL,
    "RequesterIdentifierSystem" text NULL,
    "RequesterIdentifierValue" text NULL,
    "RequesterDisplay" text NULL,
    "ReasonReferenceReference" text NULL,
    "ReasonReferenceType" text NULL,
    "ReasonReferenceIdentifierUse" text NULL,
    "ReasonReferenceIdentifierTypeText" text NULL,
    "ReasonReferenceIdentifierSystem" text NULL,
    "ReasonReferenceIdentifierValue" text NULL,
    "ReasonReferenceDisplay" text NULL,
    "DosageInstructionSequence" bigint NULL,
    "DosageInstructionText" text NULL,
    "DosageInstructionAsNeededBoolean" boolean NULL,
    "DosageInstructionTimingRepeatFrequency" bigint NULL,
    "DosageInstructionTimingRepeatPeriod" numeric NULL,
    "DosageInstructionTimingRepeatPeriodUnit" text NULL,
    "DosageInstructionRouteText" text NULL,
    "DosageInstructionDoseAndRateDoseQuantityValue" numeric NULL,
    "DosageInstructionDoseAndRateDoseQuantityComparator" text NULL,
    "DosageInstructionDoseAndRateDoseQuantityUnit" text NULL,
    "DosageInstructionDoseAndRateDoseQuantitySystem" text NULL,
    "DosageInstructionDoseAndRateDoseQuantityCode" text NULL,
    "DosageInstructionDoseAndRate" text NULL
);
\copy "LocalMedicationRequest" FROM 'data/LocalMedicationRequest/partition-data-MedicationRequest-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalMedicationRequestDosageInstruction";
CREATE TABLE "LocalMedicationRequestDosageInstruction" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "Sequence" bigint NULL,
    "Text" text NULL,
    "AsNeededBoolean" boolean NULL,
    "TimingRepeatFrequency" bigint NULL,
    "TimingRepeatPeriod" numeric NULL,
    "TimingRepeatPeriodUnit" text NULL,
    "RouteText" text NULL,
    "DoseAndRateDoseQuantityValue" numeric NULL,
    "DoseAndRateDoseQuantityComparator" text NULL,
    "DoseAndRateDoseQuantityUnit" text NULL,
    "DoseAndRateDoseQuantitySystem" text NULL,
    "DoseAndRateDoseQuantityCode" text NULL,
    "DoseAndRate" text NULL
);
\copy "LocalMedicationRequestDosageInstruction" FROM 'data/LocalMedicationRequestDosageInstruction/partition-data-MedicationRequest-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalObservation";
CREATE TABLE "LocalObservation" (
    "ResourceId" text NULL,
    "Id" text NULL,
    "Status" text NULL,
    "CategoryCodingSystem" text NULL,
    "CategoryCodingVersion" text NULL,
    "CategoryCodingCode" text NULL,
    "CategoryCodingDisplay" text NULL,
    "CategoryCodingUserSelected" boolean NULL,
    "CategoryText" text NULL,
    "CodeCodingSystem" text NULL,
    "CodeCodingVersion" text NULL,
    "CodeCodingCode" text NULL,
    "CodeCodingDisplay" text NULL,
    "CodeCodingUserSelected" boolean NULL,
    "CodeText" text NULL,
    "SubjectReference" text NULL,
    "SubjectType" text NULL,
    "SubjectIdentifierUse" text NULL,
    "SubjectIdentifierTypeText" text NULL,
    "SubjectIdentifierSystem" text NULL,
    "SubjectIdentifierValue" text NULL,
    "SubjectDisplay" text NULL,
    "EncounterReference" text NULL,
    "EncounterType" text NULL,
    "EncounterIdentifierUse" text NULL,
    "EncounterIdentifierTypeText" text NULL,
    "EncounterIdentifierSystem" text NULL,
    "EncounterIdentifierValue" text NULL,
    "EncounterDisplay" text NULL,
    "EffectiveDateTime" timestamptz NULL,
    "Issued" timestamptz NULL,
    "ValueQuantityValue" numeric NULL,
    "ValueQuantityComparator" text NULL,
    "ValueQuantityUnit" text NULL,
    "ValueQuantitySystem" text NULL,
    "ValueQuantityCode" text NULL,
    "ValueCodeableConceptCodingSystem" text NULL,
    "ValueCodeableConceptCodingVersion" text NULL,
    "ValueCodeableConceptCodingCode" text NULL,
    "ValueCodeableConceptCodingDisplay" text NULL,
    "ValueCodeableConceptCodingUserSelected" boolean NULL,
    "ValueCodeableConceptText" text NULL,
    "ValueString" text NULL
);
\copy "LocalObservation" FROM 'data/LocalObservation/partition-data-Observation-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalObservationCodeCoding";
CREATE TABLE "LocalObservationCodeCoding" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "System" text NULL,
    "Version" text NULL,
    "Code" text NULL,
    "Display" text NULL,
    "UserSelected" boolean NULL
);
\copy "LocalObservationCodeCoding" FROM 'data/LocalObservationCodeCoding/partition-data-Observation-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalObservationComponent";
CREATE TABLE "LocalObservationComponent" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "CodeText" text NULL,
    "ValueQuantityValue" numeric NULL,
    "ValueQuantityComparator" text NULL,
    "ValueQuantityUnit" text NULL,
    "ValueQuantitySystem" text NULL,
    "ValueQuantityCode" text NULL,
    "ValueCodeableConceptText" text NULL,
    "ValueString" text NULL
);
\copy "LocalObservationComponent" FROM 'data/LocalObservationComponent/partition-data-Observation-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalPatient";
CREATE TABLE "LocalPatient" (
    "ResourceId" text NULL,
    "Id" text NULL,
    "MetaLastUpdated" timestamptz NULL,
    "IdentifierUse" text NULL,
    "IdentifierTypeCodingSystem" text NULL,
    "IdentifierTypeCodingVersion" text NULL,
    "IdentifierTypeCodingCode" text NULL,
    "IdentifierTypeCodingDisplay" text NULL,
    "IdentifierTypeCodingUserSelected" boolean NULL,
    "IdentifierTypeText" text NULL,
    "IdentifierSystem" text NULL,
    "IdentifierValue" text NULL,
    "IdentifierPeriodStart" timestamptz NULL,
    "IdentifierPeriodEnd" timestamptz NULL,
    "IdentifierAssignerReference" text NULL,
    "IdentifierAssignerType" text NULL,
    "IdentifierAssignerDisplay" text NULL,
    "Active" boolean NULL,
    "NameUse" text NULL,
    "NameText" text NULL,
    "NameFamily" text NULL,
    "NamePeriodStart" timestamptz NULL,
    "NamePeriodEnd" timestamptz NULL,
    "NameGiven" text NULL,
    "NameGivenAll" text NULL,
    "NamePrefix" text NULL,
    "NameSuffix" text NULL,
    "TelecomSystem" text NULL,
    "TelecomValue" text NULL,
    "TelecomUse" text NULL,
    "TelecomRank" bigint NULL,
    "TelecomPeriodStart" timestamptz NULL,
    "TelecomPeriodEnd" timestamptz NULL,
    "Gender" text NULL,
    "BirthDate" timestamptz NULL,
    "AddressUse" text NULL,
    "AddressType" text NULL,
    "AddressText" text NULL,
    "AddressCity" text NULL,
    "AddressDistrict" text NULL,
    "AddressState" text NULL,
    "AddressPostalCode" text NULL,
    "AddressCountry" text NULL,
    "AddressPeriodStart" timestamptz NULL,
    "AddressPeriodEnd" timestamptz NULL,
    "AddressLine" text NULL,
    "AddressLines" text NULL,
    "MaritalStatusCodingSystem" text NULL,
    "MaritalStatusCodingVersion" text NULL,
    "MaritalStatusCodingCode" text NULL,
    "MaritalStatusCodingDisplay" text NULL,
    "MaritalStatusCodingUserSelected" boolean NULL,
    "MaritalStatusText" text NULL,
    "MultipleBirthInteger" bigint NULL,
    "CommunicationLanguageText" text NULL,
    "CommunicationPreferred" boolean NULL,
    "GeneralPractitionerReference" text NULL,
    "GeneralPractitionerType" text NULL,
    "GeneralPractitionerIdentifierUse" text NULL,
    "GeneralPractitionerIdentifierTypeText" text NULL,
    "GeneralPractitionerIdentifierSystem" text NULL,
    "GeneralPractitionerIdentifierValue" text NULL,
    "GeneralPractitionerDisplay" text NULL,
    "ManagingOrganizationReference" text NULL,
    "ManagingOrganizationType" text NULL,
    "ManagingOrganizationIdentifierUse" text NULL,
    "ManagingOrganizationIdentifierTypeText" text NULL,
    "ManagingOrganizationIdentifierSystem" text NULL,
    "ManagingOrganizationIdentifierValue" text NULL,
    "ManagingOrganizationDisplay" text NULL,
    "Meta" text NULL,
    "MetaProfile" text NULL,
    "DeceasedBoolean" boolean NULL,
    "DeceasedDateTime" timestamptz NULL,
    "MultipleBirthBoolean" boolean NULL,
    "PreferredLanguage" text NULL
);
\copy "LocalPatient" FROM 'data/LocalPatient/partition-data-Patient-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalPatientAddress";
CREATE TABLE "LocalPatientAddress" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "Use" text NULL,
    "Type" text NULL,
    "Text" text NULL,
    "City" text NULL,
    "District" text NULL,
    "State" text NULL,
    "PostalCode" text NULL,
    "Country" text NULL,
    "PeriodStart" timestamptz NULL,
    "PeriodEnd" timestamptz NULL,
    "Line" text NULL,
    "Lines" text NULL
);
\copy "LocalPatientAddress" FROM 'data/LocalPatientAddress/partition-data-Patient-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalPatientExtension";
CREATE TABLE "LocalPatientExtension" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "Url" text NULL,
    "ValueString" text NULL,
    "ValueCode" text NULL,
    "ValueDecimal" numeric NULL,
    "ValueAddressUse" text NULL,
    "ValueAddressType" text NULL,
    "ValueAddressText" text NULL,
    "ValueAddressCity" text NULL,
    "ValueAddressDistrict" text NULL,
    "ValueAddressState" text NULL,
    "ValueAddressPostalCode" text NULL,
    "ValueAddressCountry" text NULL,
    "ValueAddressLine" text NULL,
    "ValueAddressLines" text NULL,
    "Extension" text NULL
);
\copy "LocalPatientExtension" FROM 'data/LocalPatientExtension/partition-data-Patient-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalPatientIdentifier";
CREATE TABLE "LocalPatientIdentifier" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "Use" text NULL,
    "TypeCodingSystem" text NULL,
    "TypeCodingVersion" text NULL,
    "TypeCodingCode" text NULL,
    "TypeCodingDisplay" text NULL,
    "TypeCodingUserSelected" boolean NULL,
    "TypeText" text NULL,
    "System" text NULL,
    "Value" text NULL,
    "PeriodStart" timestamptz NULL,
    "PeriodEnd" timestamptz NULL,
    "AssignerReference" text NULL,
    "AssignerType" text NULL,
    "AssignerDisplay" text NULL
);
\copy "LocalPatientIdentifier" FROM 'data/LocalPatientIdentifier/partition-data-Patient-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalPatientName";
CREATE TABLE "LocalPatientName" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "Use" text NULL,
    "Text" text NULL,
    "Family" text NULL,
    "PeriodStart" timestamptz NULL,
    "PeriodEnd" timestamptz NULL,
    "Given" text NULL,
    "GivenAll" text NULL,
    "Prefix" text NULL,
    "Suffix" text NULL
);
\copy "LocalPatientName" FROM 'data/LocalPatientName/partition-data-Patient-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalPatientTelecom";
CREATE TABLE "LocalPatientTelecom" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "System" text NULL,
    "Value" text NULL,
    "Use" text NULL,
    "Rank" bigint NULL,
    "PeriodStart" timestamptz NULL,
    "PeriodEnd" timestamptz NULL
);
\copy "LocalPatientTelecom" FROM 'data/LocalPatientTelecom/partition-data-Patient-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalProcedure";
CREATE TABLE "LocalProcedure" (
    "ResourceId" text NULL,
    "Id" text NULL,
    "Status" text NULL,
    "CodeCodingSystem" text NULL,
    "CodeCodingVersion" text NULL,
    "CodeCodingCode" text NULL,
    "CodeCodingDisplay" text NULL,
    "CodeCodingUserSelected" boolean NULL,
    "CodeText" text NULL,
    "SubjectReference" text NULL,
    "SubjectType" text NULL,
    "SubjectIdentifierUse" text NULL,
    "SubjectIdentifierTypeText" text NULL,
    "SubjectIdentifierSystem" text NULL,
    "SubjectIdentifierValue" text NULL,
    "SubjectDisplay" text NULL,
    "EncounterReference" text NULL,
    "EncounterType" text NULL,
    "EncounterIdentifierUse" text NULL,
    "EncounterIdentifierTypeText" text NULL,
    "EncounterIdentifierSystem" text NULL,
    "EncounterIdentifierValue" text NULL,
    "EncounterDisplay" text NULL,
    "PerformedPeriodStart" timestamptz NULL,
    "PerformedPeriodEnd" timestamptz NULL,
    "LocationReference" text NULL,
    "LocationType" text NULL,
    "LocationIdentifierUse" text NULL,
    "LocationIdentifierTypeText" text NULL,
    "LocationIdentifierSystem" text NULL,
    "LocationIdentifierValue" text NULL,
    "LocationDisplay" text NULL,
    "ReasonReferenceReference" text NULL,
    "ReasonReferenceType" text NULL,
    "ReasonReferenceIdentifierUse" text NULL,
    "ReasonReferenceIdentifierTypeText" text NULL,
    "ReasonReferenceIdentifierSystem" text NULL,
    "ReasonReferenceIdentifierValue" text NULL,
    "ReasonReferenceDisplay" text NULL,
    "PerformedDateTime" timestamptz NULL
);
\copy "LocalProcedure" FROM 'data/LocalProcedure/partition-data-Procedure-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;

BEGIN;
DROP TABLE IF EXISTS "LocalProcedureCodeCoding";
CREATE TABLE "LocalProcedureCodeCoding" (
    "RowId" text NULL,
    "ResourceId" text NULL,
    "FhirPath" text NULL,
    "ParentPath" text NULL,
    "System" text NULL,
    "Version" text NULL,
    "Code" text NULL,
    "Display" text NULL,
    "UserSelected" boolean NULL
);
\copy "LocalProcedureCodeCoding" FROM 'data/LocalProcedureCodeCoding/partition-data-Procedure-sqltest.csv' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;
