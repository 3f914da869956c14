-- Dedicated SQL pool: one table per entity, loaded with COPY INTO.
-- Idempotent: each table is dropped and recreated before its load.
IF SCHEMA_ID(N'cdm') IS NULL
    EXEC(N'CREATE SCHEMA [cdm]');
GO

IF OBJECT_ID(N'[cdm].[LocalAllergyIntolerance]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalAllergyIntolerance];
CREATE TABLE [cdm].[LocalAllergyIntolerance] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [ClinicalStatusCodingSystem] nvarchar(4000) NULL,
    [ClinicalStatusCodingVersion] nvarchar(4000) NULL,
    [ClinicalStatusCodingCode] nvarchar(4000) NULL,
    [ClinicalStatusCodingDisplay] nvarchar(4000) NULL,
    [ClinicalStatusCodingUserSelected] bit NULL,
    [ClinicalStatusText] nvarchar(4000) NULL,
    [VerificationStatusCodingSystem] nvarchar(4000) NULL,
    [VerificationStatusCodingVersion] nvarchar(4000) NULL,
    [VerificationStatusCodingCode] nvarchar(4000) NULL,
    [VerificationStatusCodingDisplay] nvarchar(4000) NULL,
    [VerificationStatusCodingUserSelected] bit NULL,
    [VerificationStatusText] nvarchar(4000) NULL,
    [Type] nvarchar(4000) NULL,
    [Criticality] nvarchar(4000) NULL,
    [CodeCodingSystem] nvarchar(4000) NULL,
    [CodeCodingVersion] nvarchar(4000) NULL,
    [CodeCodingCode] nvarchar(4000) NULL,
    [CodeCodingDisplay] nvarchar(4000) NULL,
    [CodeCodingUserSelected] bit NULL,
    [CodeText] nvarchar(4000) NULL,
    [PatientReference] nvarchar(4000) NULL,
    [PatientType] nvarchar(4000) NULL,
    [PatientIdentifierUse] nvarchar(4000) NULL,
    [PatientIdentifierTypeText] nvarchar(4000) NULL,
    [PatientIdentifierSystem] nvarchar(4000) NULL,
    [PatientIdentifierValue] nvarchar(4000) NULL,
    [PatientDisplay] nvarchar(4000) NULL,
    [RecordedDate] datetime2(7) NULL,
    [ReactionSubstanceText] nvarchar(4000) NULL,
    [ReactionManifestationText] nvarchar(4000) NULL,
    [ReactionDescription] nvarchar(4000) NULL,
    [ReactionOnset] datetime2(7) NULL,
    [ReactionSeverity] nvarchar(4000) NULL,
    [Category] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalAllergyIntolerance]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalAllergyIntolerance/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalAllergyIntoleranceReactionManifestation]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalAllergyIntoleranceReactionManifestation];
CREATE TABLE [cdm].[LocalAllergyIntoleranceReactionManifestation] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [CodingSystem] nvarchar(4000) NULL,
    [CodingVersion] nvarchar(4000) NULL,
    [CodingCode] nvarchar(4000) NULL,
    [CodingDisplay] nvarchar(4000) NULL,
    [CodingUserSelected] bit NULL,
    [Text] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalAllergyIntoleranceReactionManifestation]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalAllergyIntoleranceReactionManifestation/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalCondition]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalCondition];
CREATE TABLE [cdm].[LocalCondition] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [ClinicalStatusCodingSystem] nvarchar(4000) NULL,
    [ClinicalStatusCodingVersion] nvarchar(4000) NULL,
    [ClinicalStatusCodingCode] nvarchar(4000) NULL,
    [ClinicalStatusCodingDisplay] nvarchar(4000) NULL,
    [ClinicalStatusCodingUserSelected] bit NULL,
    [ClinicalStatusText] nvarchar(4000) NULL,
    [VerificationStatusCodingSystem] nvarchar(4000) NULL,
    [VerificationStatusCodingVersion] nvarchar(4000) NULL,
    [VerificationStatusCodingCode] nvarchar(4000) NULL,
    [VerificationStatusCodingDisplay] nvarchar(4000) NULL,
    [VerificationStatusCodingUserSelected] bit NULL,
    [VerificationStatusText] nvarchar(4000) NULL,
    [CategoryCodingSystem] nvarchar(4000) NULL,
    [CategoryCodingVersion] nvarchar(4000) NULL,
    [CategoryCodingCode] nvarchar(4000) NULL,
    [CategoryCodingDisplay] nvarchar(4000) NULL,
    [CategoryCodingUserSelected] bit NULL,
    [CategoryText] nvarchar(4000) NULL,
    [CodeCodingSystem] nvarchar(4000) NULL,
    [CodeCodingVersion] nvarchar(4000) NULL,
    [CodeCodingCode] nvarchar(4000) NULL,
    [CodeCodingDisplay] nvarchar(4000) NULL,
    [CodeCodingUserSelected] bit NULL,
    [CodeText] nvarchar(4000) NULL,
    [SubjectReference] nvarchar(4000) NULL,
    [SubjectType] nvarchar(4000) NULL,
    [SubjectIdentifierUse] nvarchar(4000) NULL,
    [SubjectIdentifierTypeText] nvarchar(4000) NULL,
    [SubjectIdentifierSystem] nvarchar(4000) NULL,
    [SubjectIdentifierValue] nvarchar(4000) NULL,
    [SubjectDisplay] nvarchar(4000) NULL,
    [EncounterReference] nvarchar(4000) NULL,
    [EncounterType] nvarchar(4000) NULL,
    [EncounterIdentifierUse] nvarchar(4000) NULL,
    [EncounterIdentifierTypeText] nvarchar(4000) NULL,
    [EncounterIdentifierSystem] nvarchar(4000) NULL,
    [EncounterIdentifierValue] nvarchar(4000) NULL,
    [EncounterDisplay] nvarchar(4000) NULL,
    [AbatementDateTime] datetime2(7) NULL,
    [RecordedDate] datetime2(7) NULL,
    [OnsetDateTime] datetime2(7) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalCondition]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalCondition/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalConditionCodeCoding]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalConditionCodeCoding];
CREATE TABLE [cdm].[LocalConditionCodeCoding] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [System] nvarchar(4000) NULL,
    [Version] nvarchar(4000) NULL,
    [Code] nvarchar(4000) NULL,
    [Display] nvarchar(4000) NULL,
    [UserSelected] bit NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalConditionCodeCoding]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalConditionCodeCoding/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalEncounter]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalEncounter];
CREATE TABLE [cdm].[LocalEncounter] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [IdentifierUse] nvarchar(4000) NULL,
    [IdentifierTypeCodingSystem] nvarchar(4000) NULL,
    [IdentifierTypeCodingVersion] nvarchar(4000) NULL,
    [IdentifierTypeCodingCode] nvarchar(4000) NULL,
    [IdentifierTypeCodingDisplay] nvarchar(4000) NULL,
    [IdentifierTypeCodingUserSelected] bit NULL,
    [IdentifierTypeText] nvarchar(4000) NULL,
    [IdentifierSystem] nvarchar(4000) NULL,
    [IdentifierValue] nvarchar(4000) NULL,
    [IdentifierPeriodStart] datetime2(7) NULL,
    [IdentifierPeriodEnd] datetime2(7) NULL,
    [IdentifierAssignerReference] nvarchar(4000) NULL,
    [IdentifierAssignerType] nvarchar(4000) NULL,
    [IdentifierAssignerDisplay] nvarchar(4000) NULL,
    [Status] nvarchar(4000) NULL,
    [ClassSystem] nvarchar(4000) NULL,
    [ClassVersion] nvarchar(4000) NULL,
    [ClassCode] nvarchar(4000) NULL,
    [ClassDisplay] nvarchar(4000) NULL,
    [ClassUserSelected] bit NULL,
    [TypeCodingSystem] nvarchar(4000) NULL,
    [TypeCodingVersion] nvarchar(4000) NULL,
    [TypeCodingCode] nvarchar(4000) NULL,
    [TypeCodingDisplay] nvarchar(4000) NULL,
    [TypeCodingUserSelected] bit NULL,
    [TypeText] nvarchar(4000) NULL,
    [SubjectReference] nvarchar(4000) NULL,
    [SubjectType] nvarchar(4000) NULL,
    [SubjectIdentifierUse] nvarchar(4000) NULL,
    [SubjectIdentifierTypeText] nvarchar(4000) NULL,
    [SubjectIdentifierSystem] nvarchar(4000) NULL,
    [SubjectIdentifierValue] nvarchar(4000) NULL,
    [SubjectDisplay] nvarchar(4000) NULL,
    [ParticipantTypeCodingSystem] nvarchar(4000) NULL,
    [ParticipantTypeCodingVersion] nvarchar(4000) NULL,
    [ParticipantTypeCodingCode] nvarchar(4000) NULL,
    [ParticipantTypeCodingDisplay] nvarchar(4000) NULL,
    [ParticipantTypeCodingUserSelected] bit NULL,
    [ParticipantTypeText] nvarchar(4000) NULL,
    [ParticipantPeriodStart] datetime2(7) NULL,
    [ParticipantPeriodEnd] datetime2(7) NULL,
    [ParticipantIndividualReference] nvarchar(4000) NULL,
    [ParticipantIndividualType] nvarchar(4000) NULL,
    [ParticipantIndividualDisplay] nvarchar(4000) NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL,
    [ReasonCodeCodingSystem] nvarchar(4000) NULL,
    [ReasonCodeCodingVersion] nvarchar(4000) NULL,
    [ReasonCodeCodingCode] nvarchar(4000) NULL,
    [ReasonCodeCodingDisplay] nvarchar(4000) NULL,
    [ReasonCodeCodingUserSelected] bit NULL,
    [ReasonCodeText] nvarchar(4000) NULL,
    [HospitalizationAdmitSourceText] nvarchar(4000) NULL,
    [HospitalizationDischargeDispositionText] nvarchar(4000) NULL,
    [LocationLocationReference] nvarchar(4000) NULL,
    [LocationLocationType] nvarchar(4000) NULL,
    [LocationLocationDisplay] nvarchar(4000) NULL,
    [LocationStatus] nvarchar(4000) NULL,
    [LocationPeriodStart] datetime2(7) NULL,
    [LocationPeriodEnd] datetime2(7) NULL,
    [ServiceProviderReference] nvarchar(4000) NULL,
    [ServiceProviderType] nvarchar(4000) NULL,
    [ServiceProviderIdentifierUse] nvarchar(4000) NULL,
    [ServiceProviderIdentifierTypeText] nvarchar(4000) NULL,
    [ServiceProviderIdentifierSystem] nvarchar(4000) NULL,
    [ServiceProviderIdentifierValue] nvarchar(4000) NULL,
    [ServiceProviderDisplay] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalEncounter]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalEncounter/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalEncounterParticipant]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalEncounterParticipant];
CREATE TABLE [cdm].[LocalEncounterParticipant] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [TypeCodingSystem] nvarchar(4000) NULL,
    [TypeCodingVersion] nvarchar(4000) NULL,
    [TypeCodingCode] nvarchar(4000) NULL,
    [TypeCodingDisplay] nvarchar(4000) NULL,
    [TypeCodingUserSelected] bit NULL,
    [TypeText] nvarchar(4000) NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL,
    [IndividualReference] nvarchar(4000) NULL,
    [IndividualType] nvarchar(4000) NULL,
    [IndividualDisplay] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalEncounterParticipant]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalEncounterParticipant/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalEncounterTypeCoding]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalEncounterTypeCoding];
CREATE TABLE [cdm].[LocalEncounterTypeCoding] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [System] nvarchar(4000) NULL,
    [Version] nvarchar(4000) NULL,
    [Code] nvarchar(4000) NULL,
    [Display] nvarchar(4000) NULL,
    [UserSelected] bit NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalEncounterTypeCoding]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalEncounterTypeCoding/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalImmunization]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalImmunization];
CREATE TABLE [cdm].[LocalImmunization] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [Status] nvarchar(4000) NULL,
    [VaccineCodeCodingSystem] nvarchar(4000) NULL,
    [VaccineCodeCodingVersion] nvarchar(4000) NULL,
    [VaccineCodeCodingCode] nvarchar(4000) NULL,
    [VaccineCodeCodingDisplay] nvarchar(4000) NULL,
    [VaccineCodeCodingUserSelected] bit NULL,
    [VaccineCodeText] nvarchar(4000) NULL,
    [PatientReference] nvarchar(4000) NULL,
    [PatientType] nvarchar(4000) NULL,
    [PatientIdentifierUse] nvarchar(4000) NULL,
    [PatientIdentifierTypeText] nvarchar(4000) NULL,
    [PatientIdentifierSystem] nvarchar(4000) NULL,
    [PatientIdentifierValue] nvarchar(4000) NULL,
    [PatientDisplay] nvarchar(4000) NULL,
    [EncounterReference] nvarchar(4000) NULL,
    [EncounterType] nvarchar(4000) NULL,
    [EncounterIdentifierUse] nvarchar(4000) NULL,
    [EncounterIdentifierTypeText] nvarchar(4000) NULL,
    [EncounterIdentifierSystem] nvarchar(4000) NULL,
    [EncounterIdentifierValue] nvarchar(4000) NULL,
    [EncounterDisplay] nvarchar(4000) NULL,
    [PrimarySource] bit NULL,
    [LocationReference] nvarchar(4000) NULL,
    [LocationType] nvarchar(4000) NULL,
    [LocationIdentifierUse] nvarchar(4000) NULL,
    [LocationIdentifierTypeText] nvarchar(4000) NULL,
    [LocationIdentifierSystem] nvarchar(4000) NULL,
    [LocationIdentifierValue] nvarchar(4000) NULL,
    [LocationDisplay] nvarchar(4000) NULL,
    [OccurrenceDateTime] datetime2(7) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalImmunization]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalImmunization/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalLocation]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalLocation];
CREATE TABLE [cdm].[LocalLocation] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [Status] nvarchar(4000) NULL,
    [Name] nvarchar(4000) NULL,
    [TelecomSystem] nvarchar(4000) NULL,
    [TelecomValue] nvarchar(4000) NULL,
    [TelecomUse] nvarchar(4000) NULL,
    [TelecomRank] bigint NULL,
    [TelecomPeriodStart] datetime2(7) NULL,
    [TelecomPeriodEnd] datetime2(7) NULL,
    [AddressUse] nvarchar(4000) NULL,
    [AddressType] nvarchar(4000) NULL,
    [AddressText] nvarchar(4000) NULL,
    [AddressCity] nvarchar(4000) NULL,
    [AddressDistrict] nvarchar(4000) NULL,
    [AddressState] nvarchar(4000) NULL,
    [AddressPostalCode] nvarchar(4000) NULL,
    [AddressCountry] nvarchar(4000) NULL,
    [AddressPeriodStart] datetime2(7) NULL,
    [AddressPeriodEnd] datetime2(7) NULL,
    [AddressLine] nvarchar(4000) NULL,
    [AddressLines] nvarchar(4000) NULL,
    [PositionLongitude] decimal(38,18) NULL,
    [PositionLatitude] decimal(38,18) NULL,
    [PositionAltitude] decimal(38,18) NULL,
    [ManagingOrganizationReference] nvarchar(4000) NULL,
    [ManagingOrganizationType] nvarchar(4000) NULL,
    [ManagingOrganizationIdentifierUse] nvarchar(4000) NULL,
    [ManagingOrganizationIdentifierTypeText] nvarchar(4000) NULL,
    [ManagingOrganizationIdentifierSystem] nvarchar(4000) NULL,
    [ManagingOrganizationIdentifierValue] nvarchar(4000) NULL,
    [ManagingOrganizationDisplay] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalLocation]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalLocation/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalMedicationRequest]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalMedicationRequest];
CREATE TABLE [cdm].[LocalMedicationRequest] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [Status] nvarchar(4000) NULL,
    [Intent] nvarchar(4000) NULL,
    [CategoryCodingSystem] nvarchar(4000) NULL,
    [CategoryCodingVersion] nvarchar(4000) NULL,
    [CategoryCodingCode] nvarchar(4000) NULL,
    [CategoryCodingDisplay] nvarchar(4000) NULL,
    [CategoryCodingUserSelected] bit NULL,
    [CategoryText] nvarchar(4000) NULL,
    [MedicationCodeableConceptCodingSystem] nvarchar(4000) NULL,
    [MedicationCodeableConceptCodingVersion] nvarchar(4000) NULL,
    [MedicationCodeableConceptCodingCode] nvarchar(4000) NULL,
    [MedicationCodeableConceptCodingDisplay] nvarchar(4000) NULL,
    [MedicationCodeableConceptCodingUserSelected] bit NULL,
    [MedicationCodeableConceptText] nvarchar(4000) NULL,
    [SubjectReference] nvarchar(4000) NULL,
    [SubjectType] nvarchar(4000) NULL,
    [SubjectIdentifierUse] nvarchar(4000) NULL,
    [SubjectIdentifierTypeText] nvarchar(4000) NULL,
    [SubjectIdentifierSystem] nvarchar(4000) NULL,
    [SubjectIdentifierValue] nvarchar(4000) NULL,
    [SubjectDisplay] nvarchar(4000) NULL,
    [EncounterReference] nvarchar(4000) NULL,
    [EncounterType] nvarchar(4000) NULL,
    [EncounterIdentifierUse] nvarchar(4000) NULL,
    [EncounterIdentifierTypeText] nvarchar(4000) NULL,
    [EncounterIdentifierSystem] nvarchar(4000) NULL,
    [EncounterIdentifierValue] nvarchar(4000) NULL,
    [EncounterDisplay] nvarchar(4000) NULL,
    [AuthoredOn] datetime2(7) NULL,
    [RequesterReference] nvarchar(4000) NULL,
    [RequesterType] nvarchar(4000) NULL,
    [RequesterIdentifierUse] nvarchar(4000) NULL,
    [RequesterIdentifierTypeText] nvarchar(4000) NULL,
    [RequesterIdentifierSystem] nvarchar(4000) NULL,
    [RequesterIdentifierValue] nvarchar(4000) NULL,
    [RequesterDisplay] nvarchar(4000) NULL,
    [ReasonReferenceReference] nvarchar(4000) NULL,
    [ReasonReferenceType] nvarchar(4000) NULL,
    [ReasonReferenceIdentifierUse] nvarchar(4000) NULL,
    [ReasonReferenceIdentifierTypeText] nvarchar(4000) NULL,
    [ReasonReferenceIdentifierSystem] nvarchar(4000) NULL,
    [ReasonReferenceIdentifierValue] nvarchar(4000) NULL,
    [ReasonReferenceDisplay] nvarchar(4000) NULL,
    [DosageInstructionSequence] bigint NULL,
    [DosageInstructionText] nvarchar(4000) NULL,
    [DosageInstructionAsNeededBoolean] bit NULL,
    [DosageInstructionTimingRepeatFrequency] bigint NULL,
    [DosageInstructionTimingRepeatPeriod] decimal(38,18) NULL,
    [DosageInstructionTimingRepeatPeriodUnit] nvarchar(4000) NULL,
    [DosageInstructionRouteText] nvarchar(4000) NULL,
    [DosageInstructionDoseAndRateDoseQuantityValue] decimal(38,18) NULL,
    [DosageInstructionDoseAndRateDoseQuantityComparator] nvarchar(4000) NULL,
    [DosageInstructionDoseAndRateDoseQuantityUnit] nvarchar(4000) NULL,
    [DosageInstructionDoseAndRateDoseQuantitySystem] nvarchar(4000) NULL,
    [DosageInstructionDoseAndRateDoseQuantityCode] nvarchar(4000) NULL,
    [DosageInstructionDoseAndRate] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalMedicationRequest]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalMedicationRequest/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalMedicationRequestDosageInstruction]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalMedicationRequestDosageInstruction];
CREATE TABLE [cdm].[LocalMedicationRequestDosageInstruction] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [Sequence] bigint NULL,
    [Text] nvarchar(4000) NULL,
    [AsNeededBoolean] bit NULL,
    [TimingRepeatFrequency] bigint NULL,
    [TimingRepeatPeriod] decimal(38,18) NULL,
    [TimingRepeatPeriodUnit] nvarchar(4000) NULL,
    [RouteText] nvarchar(4000) NULL,
    [DoseAndRateDoseQuantityValue] decimal(38,18) NULL,
    [DoseAndRateDoseQuantityComparator] nvarchar(4000) NULL,
    [DoseAndRateDoseQuantityUnit] nvarchar(4000) NULL,
    [DoseAndRateDoseQuantitySystem] nvarchar(4000) NULL,
    [DoseAndRateDoseQuantityCode] nvarchar(4000) NULL,
    [DoseAndRate] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalMedicationRequestDosageInstruction]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalMedicationRequestDosageInstruction/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalObservation]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalObservation];
CREATE TABLE [cdm].[LocalObservation] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [Status] nvarchar(4000) NULL,
    [CategoryCodingSystem] nvarchar(4000) NULL,
    [CategoryCodingVersion] nvarchar(4000) NULL,
    [CategoryCodingCode] nvarchar(4000) NULL,
    [CategoryCodingDisplay] nvarchar(4000) NULL,
    [CategoryCodingUserSelected] bit NULL,
    [CategoryText] nvarchar(4000) NULL,
    [CodeCodingSystem] nvarchar(4000) NULL,
    [CodeCodingVersion] nvarchar(4000) NULL,
    [CodeCodingCode] nvarchar(4000) NULL,
    [CodeCodingDisplay] nvarchar(4000) NULL,
    [CodeCodingUserSelected] bit NULL,
    [CodeText] nvarchar(4000) NULL,
    [SubjectReference] nvarchar(4000) NULL,
    [SubjectType] nvarchar(4000) NULL,
    [SubjectIdentifierUse] nvarchar(4000) NULL,
    [SubjectIdentifierTypeText] nvarchar(4000) NULL,
    [SubjectIdentifierSystem] nvarchar(4000) NULL,
    [SubjectIdentifierValue] nvarchar(4000) NULL,
    [SubjectDisplay] nvarchar(4000) NULL,
    [EncounterReference] nvarchar(4000) NULL,
    [EncounterType] nvarchar(4000) NULL,
    [EncounterIdentifierUse] nvarchar(4000) NULL,
    [EncounterIdentifierTypeText] nvarchar(4000) NULL,
    [EncounterIdentifierSystem] nvarchar(4000) NULL,
    [EncounterIdentifierValue] nvarchar(4000) NULL,
    [EncounterDisplay] nvarchar(4000) NULL,
    [EffectiveDateTime] datetime2(7) NULL,
    [Issued] datetime2(7) NULL,
    [ValueQuantityValue] decimal(38,18) NULL,
    [ValueQuantityComparator] nvarchar(4000) NULL,
    [ValueQuantityUnit] nvarchar(4000) NULL,
    [ValueQuantitySystem] nvarchar(4000) NULL,
    [ValueQuantityCode] nvarchar(4000) NULL,
    [ValueCodeableConceptCodingSystem] nvarchar(4000) NULL,
    [ValueCodeableConceptCodingVersion] nvarchar(4000) NULL,
    [ValueCodeableConceptCodingCode] nvarchar(4000) NULL,
    [ValueCodeableConceptCodingDisplay] nvarchar(4000) NULL,
    [ValueCodeableConceptCodingUserSelected] bit NULL,
    [ValueCodeableConceptText] nvarchar(4000) NULL,
    [ValueString] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalObservation]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalObservation/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalObservationCodeCoding]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalObservationCodeCoding];
CREATE TABLE [cdm].[LocalObservationCodeCoding] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [System] nvarchar(4000) NULL,
    [Version] nvarchar(4000) NULL,
    [Code] nvarchar(4000) NULL,
    [Display] nvarchar(4000) NULL,
    [UserSelected] bit NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalObservationCodeCoding]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalObservationCodeCoding/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalObservationComponent]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalObservationComponent];
CREATE TABLE [cdm].[LocalObservationComponent] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [CodeText] nvarchar(4000) NULL,
    [ValueQuantityValue] decimal(38,18) NULL,
    [ValueQuantityComparator] nvarchar(4000) NULL,
    [ValueQuantityUnit] nvarchar(4000) NULL,
    [ValueQuantitySystem] nvarchar(4000) NULL,
    [ValueQuantityCode] nvarchar(4000) NULL,
    [ValueCodeableConceptText] nvarchar(4000) NULL,
    [ValueString] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalObservationComponent]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalObservationComponent/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalPatient]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatient];
CREATE TABLE [cdm].[LocalPatient] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [MetaLastUpdated] datetime2(7) NULL,
    [IdentifierUse] nvarchar(4000) NULL,
    [IdentifierTypeCodingSystem] nvarchar(4000) NULL,
    [IdentifierTypeCodingVersion] nvarchar(4000) NULL,
    [IdentifierTypeCodingCode] nvarchar(4000) NULL,
    [IdentifierTypeCodingDisplay] nvarchar(4000) NULL,
    [IdentifierTypeCodingUserSelected] bit NULL,
    [IdentifierTypeText] nvarchar(4000) NULL,
    [IdentifierSystem] nvarchar(4000) NULL,
    [IdentifierValue] nvarchar(4000) NULL,
    [IdentifierPeriodStart] datetime2(7) NULL,
    [IdentifierPeriodEnd] datetime2(7) NULL,
    [IdentifierAssignerReference] nvarchar(4000) NULL,
    [IdentifierAssignerType] nvarchar(4000) NULL,
    [IdentifierAssignerDisplay] nvarchar(4000) NULL,
    [Active] bit NULL,
    [NameUse] nvarchar(4000) NULL,
    [NameText] nvarchar(4000) NULL,
    [NameFamily] nvarchar(4000) NULL,
    [NamePeriodStart] datetime2(7) NULL,
    [NamePeriodEnd] datetime2(7) NULL,
    [NameGiven] nvarchar(4000) NULL,
    [NameGivenAll] nvarchar(4000) NULL,
    [NamePrefix] nvarchar(4000) NULL,
    [NameSuffix] nvarchar(4000) NULL,
    [TelecomSystem] nvarchar(4000) NULL,
    [TelecomValue] nvarchar(4000) NULL,
    [TelecomUse] nvarchar(4000) NULL,
    [TelecomRank] bigint NULL,
    [TelecomPeriodStart] datetime2(7) NULL,
    [TelecomPeriodEnd] datetime2(7) NULL,
    [Gender] nvarchar(4000) NULL,
    [BirthDate] datetime2(7) NULL,
    [AddressUse] nvarchar(4000) NULL,
    [AddressType] nvarchar(4000) NULL,
    [AddressText] nvarchar(4000) NULL,
    [AddressCity] nvarchar(4000) NULL,
    [AddressDistrict] nvarchar(4000) NULL,
    [AddressState] nvarchar(4000) NULL,
    [AddressPostalCode] nvarchar(4000) NULL,
    [AddressCountry] nvarchar(4000) NULL,
    [AddressPeriodStart] datetime2(7) NULL,
    [AddressPeriodEnd] datetime2(7) NULL,
    [AddressLine] nvarchar(4000) NULL,
    [AddressLines] nvarchar(4000) NULL,
    [MaritalStatusCodingSystem] nvarchar(4000) NULL,
    [MaritalStatusCodingVersion] nvarchar(4000) NULL,
    [MaritalStatusCodingCode] nvarchar(4000) NULL,
    [MaritalStatusCodingDisplay] nvarchar(4000) NULL,
    [MaritalStatusCodingUserSelected] bit NULL,
    [MaritalStatusText] nvarchar(4000) NULL,
    [MultipleBirthInteger] bigint NULL,
    [CommunicationLanguageText] nvarchar(4000) NULL,
    [CommunicationPreferred] bit NULL,
    [GeneralPractitionerReference] nvarchar(4000) NULL,
    [GeneralPractitionerType] nvarchar(4000) NULL,
    [GeneralPractitionerIdentifierUse] nvarchar(4000) NULL,
    [GeneralPractitionerIdentifierTypeText] nvarchar(4000) NULL,
    [GeneralPractitionerIdentifierSystem] nvarchar(4000) NULL,
    [GeneralPractitionerIdentifierValue] nvarchar(4000) NULL,
    [GeneralPractitionerDisplay] nvarchar(4000) NULL,
    [ManagingOrganizationReference] nvarchar(4000) NULL,
    [ManagingOrganizationType] nvarchar(4000) NULL,
    [ManagingOrganizationIdentifierUse] nvarchar(4000) NULL,
    [ManagingOrganizationIdentifierTypeText] nvarchar(4000) NULL,
    [ManagingOrganizationIdentifierSystem] nvarchar(4000) NULL,
    [ManagingOrganizationIdentifierValue] nvarchar(4000) NULL,
    [ManagingOrganizationDisplay] nvarchar(4000) NULL,
    [Meta] nvarchar(4000) NULL,
    [MetaProfile] nvarchar(4000) NULL,
    [DeceasedBoolean] bit NULL,
    [DeceasedDateTime] datetime2(7) NULL,
    [MultipleBirthBoolean] bit NULL,
    [PreferredLanguage] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalPatient]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatient/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalPatientAddress]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatientAddress];
CREATE TABLE [cdm].[LocalPatientAddress] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [Use] nvarchar(4000) NULL,
    [Type] nvarchar(4000) NULL,
    [Text] nvarchar(4000) NULL,
    [City] nvarchar(4000) NULL,
    [District] nvarchar(4000) NULL,
    [State] nvarchar(4000) NULL,
    [PostalCode] nvarchar(4000) NULL,
    [Country] nvarchar(4000) NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL,
    [Line] nvarchar(4000) NULL,
    [Lines] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalPatientAddress]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatientAddress/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalPatientExtension]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatientExtension];
CREATE TABLE [cdm].[LocalPatientExtension] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [Url] nvarchar(4000) NULL,
    [ValueString] nvarchar(4000) NULL,
    [ValueCode] nvarchar(4000) NULL,
    [ValueDecimal] decimal(38,18) NULL,
    [ValueAddressUse] nvarchar(4000) NULL,
    [ValueAddressType] nvarchar(4000) NULL,
    [ValueAddressText] nvarchar(4000) NULL,
    [ValueAddressCity] nvarchar(4000) NULL,
    [ValueAddressDistrict] nvarchar(4000) NULL,
    [ValueAddressState] nvarchar(4000) NULL,
    [ValueAddressPostalCode] nvarchar(4000) NULL,
    [ValueAddressCountry] nvarchar(4000) NULL,
    [ValueAddressLine] nvarchar(4000) NULL,
    [ValueAddressLines] nvarchar(4000) NULL,
    [Extension] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalPatientExtension]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatientExtension/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalPatientIdentifier]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatientIdentifier];
CREATE TABLE [cdm].[LocalPatientIdentifier] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [Use] nvarchar(4000) NULL,
    [TypeCodingSystem] nvarchar(4000) NULL,
    [TypeCodingVersion] nvarchar(4000) NULL,
    [TypeCodingCode] nvarchar(4000) NULL,
    [TypeCodingDisplay] nvarchar(4000) NULL,
    [TypeCodingUserSelected] bit NULL,
    [TypeText] nvarchar(4000) NULL,
    [System] nvarchar(4000) NULL,
    [Value] nvarchar(4000) NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL,
    [AssignerReference] nvarchar(4000) NULL,
    [AssignerType] nvarchar(4000) NULL,
    [AssignerDisplay] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalPatientIdentifier]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatientIdentifier/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalPatientName]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatientName];
CREATE TABLE [cdm].[LocalPatientName] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [Use] nvarchar(4000) NULL,
    [Text] nvarchar(4000) NULL,
    [Family] nvarchar(4000) NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL,
    [Given] nvarchar(4000) NULL,
    [GivenAll] nvarchar(4000) NULL,
    [Prefix] nvarchar(4000) NULL,
    [Suffix] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalPatientName]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatientName/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalPatientTelecom]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatientTelecom];
CREATE TABLE [cdm].[LocalPatientTelecom] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [System] nvarchar(4000) NULL,
    [Value] nvarchar(4000) NULL,
    [Use] nvarchar(4000) NULL,
    [Rank] bigint NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalPatientTelecom]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatientTelecom/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalProcedure]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalProcedure];
CREATE TABLE [cdm].[LocalProcedure] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [Status] nvarchar(4000) NULL,
    [CodeCodingSystem] nvarchar(4000) NULL,
    [CodeCodingVersion] nvarchar(4000) NULL,
    [CodeCodingCode] nvarchar(4000) NULL,
    [CodeCodingDisplay] nvarchar(4000) NULL,
    [CodeCodingUserSelected] bit NULL,
    [CodeText] nvarchar(4000) NULL,
    [SubjectReference] nvarchar(4000) NULL,
    [SubjectType] nvarchar(4000) NULL,
    [SubjectIdentifierUse] nvarchar(4000) NULL,
    [SubjectIdentifierTypeText] nvarchar(4000) NULL,
    [SubjectIdentifierSystem] nvarchar(4000) NULL,
    [SubjectIdentifierValue] nvarchar(4000) NULL,
    [SubjectDisplay] nvarchar(4000) NULL,
    [EncounterReference] nvarchar(4000) NULL,
    [EncounterType] nvarchar(4000) NULL,
    [EncounterIdentifierUse] nvarchar(4000) NULL,
    [EncounterIdentifierTypeText] nvarchar(4000) NULL,
    [EncounterIdentifierSystem] nvarchar(4000) NULL,
    [EncounterIdentifierValue] nvarchar(4000) NULL,
    [EncounterDisplay] nvarchar(4000) NULL,
    [PerformedPeriodStart] datetime2(7) NULL,
    [PerformedPeriodEnd] datetime2(7) NULL,
    [LocationReference] nvarchar(4000) NULL,
    [LocationType] nvarchar(4000) NULL,
    [LocationIdentifierUse] nvarchar(4000) NULL,
    [LocationIdentifierTypeText] nvarchar(4000) NULL,
    [LocationIdentifierSystem] nvarchar(4000) NULL,
    [LocationIdentifierValue] nvarchar(4000) NULL,
    [LocationDisplay] nvarchar(4000) NULL,
    [ReasonReferenceReference] nvarchar(4000) NULL,
    [ReasonReferenceType] nvarchar(4000) NULL,
    [ReasonReferenceIdentifierUse] nvarchar(4000) NULL,
    [ReasonReferenceIdentifierTypeText] nvarchar(4000) NULL,
    [ReasonReferenceIdentifierSystem] nvarchar(4000) NULL,
    [ReasonReferenceIdentifierValue] nvarchar(4000) NULL,
    [ReasonReferenceDisplay] nvarchar(4000) NULL,
    [PerformedDateTime] datetime2(7) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalProcedure]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalProcedure/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO

IF OBJECT_ID(N'[cdm].[LocalProcedureCodeCoding]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalProcedureCodeCoding];
CREATE TABLE [cdm].[LocalProcedureCodeCoding] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [System] nvarchar(4000) NULL,
    [Version] nvarchar(4000) NULL,
    [Code] nvarchar(4000) NULL,
    [Display] nvarchar(4000) NULL,
    [UserSelected] bit NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
COPY INTO [cdm].[LocalProcedureCodeCoding]
FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalProcedureCodeCoding/*.csv'
WITH (FILE_TYPE = 'CSV', FIRSTROW = 2, FIELDQUOTE = '"', FIELDTERMINATOR = ',',
      ENCODING = 'UTF8', CREDENTIAL = (IDENTITY = 'Managed Identity'));
GO
