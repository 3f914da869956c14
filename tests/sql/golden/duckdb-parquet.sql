-- DuckDB: one table per entity over exactly the Parquet partitions model.manifest.cdm.json lists.
-- Run: duckdb my.duckdb < load.sql (or any DuckDB API).  One transaction: all or
-- nothing.  Idempotent: CREATE OR REPLACE.
BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "cdm";

CREATE OR REPLACE TABLE "cdm"."LocalAllergyIntolerance" AS
SELECT "ResourceId", "Id", "ClinicalStatusCodingSystem", "ClinicalStatusCodingVersion", "ClinicalStatusCodingCode", "ClinicalStatusCodingDisplay", "ClinicalStatusCodingUserSelected", "ClinicalStatusText", "VerificationStatusCodingSystem", "VerificationStatusCodingVersion", "VerificationStatusCodingCode", "VerificationStatusCodingDisplay", "VerificationStatusCodingUserSelected", "VerificationStatusText", "Type", "Criticality", "CodeCodingSystem", "CodeCodingVersion", "CodeCodingCode", "CodeCodingDisplay", "CodeCodingUserSelected", "CodeText", "PatientReference", "PatientType", "PatientIdentifierUse", "PatientIdentifierTypeText", "PatientIdentifierSystem", "PatientIdentifierValue", "PatientDisplay", "RecordedDate", "ReactionSubstanceText", "ReactionManifestationText", "ReactionDescription", "ReactionOnset", "ReactionSeverity", "Category"
FROM read_parquet([
    '/data/cdm/data/LocalAllergyIntolerance/partition-data-AllergyIntolerance-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalAllergyIntoleranceReactionManifestation" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "CodingSystem", "CodingVersion", "CodingCode", "CodingDisplay", "CodingUserSelected", "Text"
FROM read_parquet([
    '/data/cdm/data/LocalAllergyIntoleranceReactionManifestation/partition-data-AllergyIntolerance-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalCondition" AS
SELECT "ResourceId", "Id", "ClinicalStatusCodingSystem", "ClinicalStatusCodingVersion", "ClinicalStatusCodingCode", "ClinicalStatusCodingDisplay", "ClinicalStatusCodingUserSelected", "ClinicalStatusText", "VerificationStatusCodingSystem", "VerificationStatusCodingVersion", "VerificationStatusCodingCode", "VerificationStatusCodingDisplay", "VerificationStatusCodingUserSelected", "VerificationStatusText", "CategoryCodingSystem", "CategoryCodingVersion", "CategoryCodingCode", "CategoryCodingDisplay", "CategoryCodingUserSelected", "CategoryText", "CodeCodingSystem", "CodeCodingVersion", "CodeCodingCode", "CodeCodingDisplay", "CodeCodingUserSelected", "CodeText", "SubjectReference", "SubjectType", "SubjectIdentifierUse", "SubjectIdentifierTypeText", "SubjectIdentifierSystem", "SubjectIdentifierValue", "SubjectDisplay", "EncounterReference", "EncounterType", "EncounterIdentifierUse", "EncounterIdentifierTypeText", "EncounterIdentifierSystem", "EncounterIdentifierValue", "EncounterDisplay", "AbatementDateTime", "RecordedDate", "OnsetDateTime"
FROM read_parquet([
    '/data/cdm/data/LocalCondition/partition-data-Condition-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalConditionCodeCoding" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "System", "Version", "Code", "Display", "UserSelected"
FROM read_parquet([
    '/data/cdm/data/LocalConditionCodeCoding/partition-data-Condition-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalEncounter" AS
SELECT "ResourceId", "Id", "IdentifierUse", "IdentifierTypeCodingSystem", "IdentifierTypeCodingVersion", "IdentifierTypeCodingCode", "IdentifierTypeCodingDisplay", "IdentifierTypeCodingUserSelected", "IdentifierTypeText", "IdentifierSystem", "IdentifierValue", "IdentifierPeriodStart", "IdentifierPeriodEnd", "IdentifierAssignerReference", "IdentifierAssignerType", "IdentifierAssignerDisplay", "Status", "ClassSystem", "ClassVersion", "ClassCode", "ClassDisplay", "ClassUserSelected", "TypeCodingSystem", "TypeCodingVersion", "TypeCodingCode", "TypeCodingDisplay", "TypeCodingUserSelected", "TypeText", "SubjectReference", "SubjectType", "SubjectIdentifierUse", "SubjectIdentifierTypeText", "SubjectIdentifierSystem", "SubjectIdentifierValue", "SubjectDisplay", "ParticipantTypeCodingSystem", "ParticipantTypeCodingVersion", "ParticipantTypeCodingCode", "ParticipantTypeCodingDisplay", "ParticipantTypeCodingUserSelected", "ParticipantTypeText", "ParticipantPeriodStart", "ParticipantPeriodEnd", "ParticipantIndividualReference", "ParticipantIndividualType", "ParticipantIndividualDisplay", "PeriodStart", "PeriodEnd", "ReasonCodeCodingSystem", "ReasonCodeCodingVersion", "ReasonCodeCodingCode", "ReasonCodeCodingDisplay", "ReasonCodeCodingUserSelected", "ReasonCodeText", "HospitalizationAdmitSourceText", "HospitalizationDischargeDispositionText", "LocationLocationReference", "LocationLocationType", "LocationLocationDisplay", "LocationStatus", "LocationPeriodStart", "LocationPeriodEnd", "ServiceProviderReference", "ServiceProviderType", "ServiceProviderIdentifierUse", "ServiceProviderIdentifierTypeText", "ServiceProviderIdentifierSystem", "ServiceProviderIdentifierValue", "ServiceProviderDisplay"
FROM read_parquet([
    '/data/cdm/data/LocalEncounter/partition-data-Encounter-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalEncounterParticipant" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "TypeCodingSystem", "TypeCodingVersion", "TypeCodingCode", "TypeCodingDisplay", "TypeCodingUserSelected", "TypeText", "PeriodStart", "PeriodEnd", "IndividualReference", "IndividualType", "IndividualDisplay"
FROM read_parquet([
    '/data/cdm/data/LocalEncounterParticipant/partition-data-Encounter-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalEncounterTypeCoding" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "System", "Version", "Code", "Display", "UserSelected"
FROM read_parquet([
    '/data/cdm/data/LocalEncounterTypeCoding/partition-data-Encounter-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalImmunization" AS
SELECT "ResourceId", "Id", "Status", "VaccineCodeCodingSystem", "VaccineCodeCodingVersion", "VaccineCodeCodingCode", "VaccineCodeCodingDisplay", "VaccineCodeCodingUserSelected", "VaccineCodeText", "PatientReference", "PatientType", "PatientIdentifierUse", "PatientIdentifierTypeText", "PatientIdentifierSystem", "PatientIdentifierValue", "PatientDisplay", "EncounterReference", "EncounterType", "EncounterIdentifierUse", "EncounterIdentifierTypeText", "EncounterIdentifierSystem", "EncounterIdentifierValue", "EncounterDisplay", "PrimarySource", "LocationReference", "LocationType", "LocationIdentifierUse", "LocationIdentifierTypeText", "LocationIdentifierSystem", "LocationIdentifierValue", "LocationDisplay", "OccurrenceDateTime"
FROM read_parquet([
    '/data/cdm/data/LocalImmunization/partition-data-Immunization-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalLocation" AS
SELECT "ResourceId", "Id", "Status", "Name", "TelecomSystem", "TelecomValue", "TelecomUse", "TelecomRank", "TelecomPeriodStart", "TelecomPeriodEnd", "AddressUse", "AddressType", "AddressText", "AddressCity", "AddressDistrict", "AddressState", "AddressPostalCode", "AddressCountry", "AddressPeriodStart", "AddressPeriodEnd", "AddressLine", "AddressLines", "PositionLongitude", "PositionLatitude", "PositionAltitude", "ManagingOrganizationReference", "ManagingOrganizationType", "ManagingOrganizationIdentifierUse", "ManagingOrganizationIdentifierTypeText", "ManagingOrganizationIdentifierSystem", "ManagingOrganizationIdentifierValue", "ManagingOrganizationDisplay"
FROM read_parquet([
    '/data/cdm/data/LocalLocation/partition-data-Location-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalMedicationRequest" AS
SELECT "ResourceId", "Id", "Status", "Intent", "CategoryCodingSystem", "CategoryCodingVersion", "CategoryCodingCode", "CategoryCodingDisplay", "CategoryCodingUserSelected", "CategoryText", "MedicationCodeableConceptCodingSystem", "MedicationCodeableConceptCodingVersion", "MedicationCodeableConceptCodingCode", "MedicationCodeableConceptCodingDisplay", "MedicationCodeableConceptCodingUserSelected", "MedicationCodeableConceptText", "SubjectReference", "SubjectType", "SubjectIdentifierUse", "SubjectIdentifierTypeText", "SubjectIdentifierSystem", "SubjectIdentifierValue", "SubjectDisplay", "EncounterReference", "EncounterType", "EncounterIdentifierUse", "EncounterIdentifierTypeText", "EncounterIdentifierSystem", "EncounterIdentifierValue", "EncounterDisplay", "AuthoredOn", "RequesterReference", "RequesterType", "RequesterIdentifierUse", "RequesterIdentifierTypeText", "RequesterIdentifierSystem", "RequesterIdentifierValue", "RequesterDisplay", "ReasonReferenceReference", "ReasonReferenceType", "ReasonReferenceIdentifierUse", "ReasonReferenceIdentifierTypeText", "ReasonReferenceIdentifierSystem", "ReasonReferenceIdentifierValue", "ReasonReferenceDisplay", "DosageInstructionSequence", "DosageInstructionText", "DosageInstructionAsNeededBoolean", "DosageInstructionTimingRepeatFrequency", "DosageInstructionTimingRepeatPeriod", "DosageInstructionTimingRepeatPeriodUnit", "DosageInstructionRouteText", "DosageInstructionDoseAndRateDoseQuantityValue", "DosageInstructionDoseAndRateDoseQuantityComparator", "DosageInstructionDoseAndRateDoseQuantityUnit", "DosageInstructionDoseAndRateDoseQuantitySystem", "DosageInstructionDoseAndRateDoseQuantityCode", "DosageInstructionDoseAndRate"
FROM read_parquet([
    '/data/cdm/data/LocalMedicationRequest/partition-data-MedicationRequest-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalMedicationRequestDosageInstruction" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "Sequence", "Text", "AsNeededBoolean", "TimingRepeatFrequency", "TimingRepeatPeriod", "TimingRepeatPeriodUnit", "RouteText", "DoseAndRateDoseQuantityValue", "DoseAndRateDoseQuantityComparator", "DoseAndRateDoseQuantityUnit", "DoseAndRateDoseQuantitySystem", "DoseAndRateDoseQuantityCode", "DoseAndRate"
FROM read_parquet([
    '/data/cdm/data/LocalMedicationRequestDosageInstruction/partition-data-MedicationRequest-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalObservation" AS
SELECT "ResourceId", "Id", "Status", "CategoryCodingSystem", "CategoryCodingVersion", "CategoryCodingCode", "CategoryCodingDisplay", "CategoryCodingUserSelected", "CategoryText", "CodeCodingSystem", "CodeCodingVersion", "CodeCodingCode", "CodeCodingDisplay", "CodeCodingUserSelected", "CodeText", "SubjectReference", "SubjectType", "SubjectIdentifierUse", "SubjectIdentifierTypeText", "SubjectIdentifierSystem", "SubjectIdentifierValue", "SubjectDisplay", "EncounterReference", "EncounterType", "EncounterIdentifierUse", "EncounterIdentifierTypeText", "EncounterIdentifierSystem", "EncounterIdentifierValue", "EncounterDisplay", "EffectiveDateTime", "Issued", "ValueQuantityValue", "ValueQuantityComparator", "ValueQuantityUnit", "ValueQuantitySystem", "ValueQuantityCode", "ValueCodeableConceptCodingSystem", "ValueCodeableConceptCodingVersion", "ValueCodeableConceptCodingCode", "ValueCodeableConceptCodingDisplay", "ValueCodeableConceptCodingUserSelected", "ValueCodeableConceptText", "ValueString"
FROM read_parquet([
    '/data/cdm/data/LocalObservation/partition-data-Observation-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalObservationCodeCoding" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "System", "Version", "Code", "Display", "UserSelected"
FROM read_parquet([
    '/data/cdm/data/LocalObservationCodeCoding/partition-data-Observation-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalObservationComponent" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "CodeText", "ValueQuantityValue", "ValueQuantityComparator", "ValueQuantityUnit", "ValueQuantitySystem", "ValueQuantityCode", "ValueCodeableConceptText", "ValueString"
FROM read_parquet([
    '/data/cdm/data/LocalObservationComponent/partition-data-Observation-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalPatient" AS
SELECT "ResourceId", "Id", "MetaLastUpdated", "IdentifierUse", "IdentifierTypeCodingSystem", "IdentifierTypeCodingVersion", "IdentifierTypeCodingCode", "IdentifierTypeCodingDisplay", "IdentifierTypeCodingUserSelected", "IdentifierTypeText", "IdentifierSystem", "IdentifierValue", "IdentifierPeriodStart", "IdentifierPeriodEnd", "IdentifierAssignerReference", "IdentifierAssignerType", "IdentifierAssignerDisplay", "Active", "NameUse", "NameText", "NameFamily", "NamePeriodStart", "NamePeriodEnd", "NameGiven", "NameGivenAll", "NamePrefix", "NameSuffix", "TelecomSystem", "TelecomValue", "TelecomUse", "TelecomRank", "TelecomPeriodStart", "TelecomPeriodEnd", "Gender", "BirthDate", "AddressUse", "AddressType", "AddressText", "AddressCity", "AddressDistrict", "AddressState", "AddressPostalCode", "AddressCountry", "AddressPeriodStart", "AddressPeriodEnd", "AddressLine", "AddressLines", "MaritalStatusCodingSystem", "MaritalStatusCodingVersion", "MaritalStatusCodingCode", "MaritalStatusCodingDisplay", "MaritalStatusCodingUserSelected", "MaritalStatusText", "MultipleBirthInteger", "CommunicationLanguageText", "CommunicationPreferred", "GeneralPractitionerReference", "GeneralPractitionerType", "GeneralPractitionerIdentifierUse", "GeneralPractitionerIdentifierTypeText", "GeneralPractitionerIdentifierSystem", "GeneralPractitionerIdentifierValue", "GeneralPractitionerDisplay", "ManagingOrganizationReference", "ManagingOrganizationType", "ManagingOrganizationIdentifierUse", "ManagingOrganizationIdentifierTypeText", "ManagingOrganizationIdentifierSystem", "ManagingOrganizationIdentifierValue", "ManagingOrganizationDisplay", "Meta", "MetaProfile", "DeceasedBoolean", "DeceasedDateTime", "MultipleBirthBoolean", "PreferredLanguage"
FROM read_parquet([
    '/data/cdm/data/LocalPatient/partition-data-Patient-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalPatientAddress" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "Use", "Type", "Text", "City", "District", "State", "PostalCode", "Country", "PeriodStart", "PeriodEnd", "Line", "Lines"
FROM read_parquet([
    '/data/cdm/data/LocalPatientAddress/partition-data-Patient-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalPatientExtension" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "Url", "ValueString", "ValueCode", "ValueDecimal", "ValueAddressUse", "ValueAddressType", "ValueAddressText", "ValueAddressCity", "ValueAddressDistrict", "ValueAddressState", "ValueAddressPostalCode", "ValueAddressCountry", "ValueAddressLine", "ValueAddressLines", "Extension"
FROM read_parquet([
    '/data/cdm/data/LocalPatientExtension/partition-data-Patient-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalPatientIdentifier" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "Use", "TypeCodingSystem", "TypeCodingVersion", "TypeCodingCode", "TypeCodingDisplay", "TypeCodingUserSelected", "TypeText", "System", "Value", "PeriodStart", "PeriodEnd", "AssignerReference", "AssignerType", "AssignerDisplay"
FROM read_parquet([
    '/data/cdm/data/LocalPatientIdentifier/partition-data-Patient-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalPatientName" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "Use", "Text", "Family", "PeriodStart", "PeriodEnd", "Given", "GivenAll", "Prefix", "Suffix"
FROM read_parquet([
    '/data/cdm/data/LocalPatientName/partition-data-Patient-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalPatientTelecom" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "System", "Value", "Use", "Rank", "PeriodStart", "PeriodEnd"
FROM read_parquet([
    '/data/cdm/data/LocalPatientTelecom/partition-data-Patient-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalProcedure" AS
SELECT "ResourceId", "Id", "Status", "CodeCodingSystem", "CodeCodingVersion", "CodeCodingCode", "CodeCodingDisplay", "CodeCodingUserSelected", "CodeText", "SubjectReference", "SubjectType", "SubjectIdentifierUse", "SubjectIdentifierTypeText", "SubjectIdentifierSystem", "SubjectIdentifierValue", "SubjectDisplay", "EncounterReference", "EncounterType", "EncounterIdentifierUse", "EncounterIdentifierTypeText", "EncounterIdentifierSystem", "EncounterIdentifierValue", "EncounterDisplay", "PerformedPeriodStart", "PerformedPeriodEnd", "LocationReference", "LocationType", "LocationIdentifierUse", "LocationIdentifierTypeText", "LocationIdentifierSystem", "LocationIdentifierValue", "LocationDisplay", "ReasonReferenceReference", "ReasonReferenceType", "ReasonReferenceIdentifierUse", "ReasonReferenceIdentifierTypeText", "ReasonReferenceIdentifierSystem", "ReasonReferenceIdentifierValue", "ReasonReferenceDisplay", "PerformedDateTime"
FROM read_parquet([
    '/data/cdm/data/LocalProcedure/partition-data-Procedure-sqltest.parquet'
  ], hive_partitioning = false);

CREATE OR REPLACE TABLE "cdm"."LocalProcedureCodeCoding" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "System", "Version", "Code", "Display", "UserSelected"
FROM read_parquet([
    '/data/cdm/data/LocalProcedureCodeCoding/partition-data-Procedure-sqltest.parquet'
  ], hive_partitioning = false);

COMMIT;
