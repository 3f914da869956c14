-- Dedicated SQL pool: one table per entity, loaded with COPY INTO (FILE_TYPE =
-- 'PARQUET') from exactly the partitions model.manifest.cdm.json lists into
-- <Entity>_load, swapped in with RENAME OBJECT only when the load succeeded.
-- Idempotent: re-running replaces each table.
IF SCHEMA_ID(N'cdm') IS NULL
    EXEC(N'CREATE SCHEMA [cdm]');
GO

IF OBJECT_ID(N'[cdm].[LocalAllergyIntolerance_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalAllergyIntolerance_load];
CREATE TABLE [cdm].[LocalAllergyIntolerance_load] (
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
    [RecordedDate] datetime2(6) NULL,
    [ReactionSubstanceText] nvarchar(4000) NULL,
    [ReactionManifestationText] nvarchar(4000) NULL,
    [ReactionDescription] nvarchar(4000) NULL,
    [ReactionOnset] datetime2(6) NULL,
    [ReactionSeverity] nvarchar(4000) NULL,
    [Category] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalAllergyIntolerance_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalAllergyIntolerance/partition-data-AllergyIntolerance-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalAllergyIntolerance_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalAllergyIntolerance_old];
    IF OBJECT_ID(N'[cdm].[LocalAllergyIntolerance]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalAllergyIntolerance] TO [LocalAllergyIntolerance_old];
    RENAME OBJECT [cdm].[LocalAllergyIntolerance_load] TO [LocalAllergyIntolerance];
    IF OBJECT_ID(N'[cdm].[LocalAllergyIntolerance_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalAllergyIntolerance_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalAllergyIntoleranceReactionManifestation_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalAllergyIntoleranceReactionManifestation_load];
CREATE TABLE [cdm].[LocalAllergyIntoleranceReactionManifestation_load] (
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalAllergyIntoleranceReactionManifestation_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalAllergyIntoleranceReactionManifestation/partition-data-AllergyIntolerance-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalAllergyIntoleranceReactionManifestation_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalAllergyIntoleranceReactionManifestation_old];
    IF OBJECT_ID(N'[cdm].[LocalAllergyIntoleranceReactionManifestation]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalAllergyIntoleranceReactionManifestation] TO [LocalAllergyIntoleranceReactionManifestation_old];
    RENAME OBJECT [cdm].[LocalAllergyIntoleranceReactionManifestation_load] TO [LocalAllergyIntoleranceReactionManifestation];
    IF OBJECT_ID(N'[cdm].[LocalAllergyIntoleranceReactionManifestation_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalAllergyIntoleranceReactionManifestation_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalCondition_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalCondition_load];
CREATE TABLE [cdm].[LocalCondition_load] (
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
    [AbatementDateTime] datetime2(6) NULL,
    [RecordedDate] datetime2(6) NULL,
    [OnsetDateTime] datetime2(6) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalCondition_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalCondition/partition-data-Condition-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalCondition_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalCondition_old];
    IF OBJECT_ID(N'[cdm].[LocalCondition]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalCondition] TO [LocalCondition_old];
    RENAME OBJECT [cdm].[LocalCondition_load] TO [LocalCondition];
    IF OBJECT_ID(N'[cdm].[LocalCondition_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalCondition_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalConditionCodeCoding_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalConditionCodeCoding_load];
CREATE TABLE [cdm].[LocalConditionCodeCoding_load] (
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalConditionCodeCoding_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalConditionCodeCoding/partition-data-Condition-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalConditionCodeCoding_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalConditionCodeCoding_old];
    IF OBJECT_ID(N'[cdm].[LocalConditionCodeCoding]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalConditionCodeCoding] TO [LocalConditionCodeCoding_old];
    RENAME OBJECT [cdm].[LocalConditionCodeCoding_load] TO [LocalConditionCodeCoding];
    IF OBJECT_ID(N'[cdm].[LocalConditionCodeCoding_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalConditionCodeCoding_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalEncounter_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalEncounter_load];
CREATE TABLE [cdm].[LocalEncounter_load] (
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
    [IdentifierPeriodStart] datetime2(6) NULL,
    [IdentifierPeriodEnd] datetime2(6) NULL,
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
    [ParticipantPeriodStart] datetime2(6) NULL,
    [ParticipantPeriodEnd] datetime2(6) NULL,
    [ParticipantIndividualReference] nvarchar(4000) NULL,
    [ParticipantIndividualType] nvarchar(4000) NULL,
    [ParticipantIndividualDisplay] nvarchar(4000) NULL,
    [PeriodStart] datetime2(6) NULL,
    [PeriodEnd] datetime2(6) NULL,
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
    [LocationPeriodStart] datetime2(6) NULL,
    [LocationPeriodEnd] datetime2(6) NULL,
    [ServiceProviderReference] nvarchar(4000) NULL,
    [ServiceProviderType] nvarchar(4000) NULL,
    [ServiceProviderIdentifierUse] nvarchar(4000) NULL,
    [ServiceProviderIdentifierTypeText] nvarchar(4000) NULL,
    [ServiceProviderIdentifierSystem] nvarchar(4000) NULL,
    [ServiceProviderIdentifierValue] nvarchar(4000) NULL,
    [ServiceProviderDisplay] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalEncounter_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalEncounter/partition-data-Encounter-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalEncounter_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalEncounter_old];
    IF OBJECT_ID(N'[cdm].[LocalEncounter]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalEncounter] TO [LocalEncounter_old];
    RENAME OBJECT [cdm].[LocalEncounter_load] TO [LocalEncounter];
    IF OBJECT_ID(N'[cdm].[LocalEncounter_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalEncounter_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalEncounterParticipant_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalEncounterParticipant_load];
CREATE TABLE [cdm].[LocalEncounterParticipant_load] (
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
    [PeriodStart] datetime2(6) NULL,
    [PeriodEnd] datetime2(6) NULL,
    [IndividualReference] nvarchar(4000) NULL,
    [IndividualType] nvarchar(4000) NULL,
    [IndividualDisplay] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalEncounterParticipant_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalEncounterParticipant/partition-data-Encounter-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalEncounterParticipant_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalEncounterParticipant_old];
    IF OBJECT_ID(N'[cdm].[LocalEncounterParticipant]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalEncounterParticipant] TO [LocalEncounterParticipant_old];
    RENAME OBJECT [cdm].[LocalEncounterParticipant_load] TO [LocalEncounterParticipant];
    IF OBJECT_ID(N'[cdm].[LocalEncounterParticipant_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalEncounterParticipant_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalEncounterTypeCoding_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalEncounterTypeCoding_load];
CREATE TABLE [cdm].[LocalEncounterTypeCoding_load] (
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalEncounterTypeCoding_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalEncounterTypeCoding/partition-data-Encounter-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalEncounterTypeCoding_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalEncounterTypeCoding_old];
    IF OBJECT_ID(N'[cdm].[LocalEncounterTypeCoding]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalEncounterTypeCoding] TO [LocalEncounterTypeCoding_old];
    RENAME OBJECT [cdm].[LocalEncounterTypeCoding_load] TO [LocalEncounterTypeCoding];
    IF OBJECT_ID(N'[cdm].[LocalEncounterTypeCoding_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalEncounterTypeCoding_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalImmunization_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalImmunization_load];
CREATE TABLE [cdm].[LocalImmunization_load] (
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
    [OccurrenceDateTime] datetime2(6) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalImmunization_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalImmunization/partition-data-Immunization-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalImmunization_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalImmunization_old];
    IF OBJECT_ID(N'[cdm].[LocalImmunization]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalImmunization] TO [LocalImmunization_old];
    RENAME OBJECT [cdm].[LocalImmunization_load] TO [LocalImmunization];
    IF OBJECT_ID(N'[cdm].[LocalImmunization_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalImmunization_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalLocation_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalLocation_load];
CREATE TABLE [cdm].[LocalLocation_load] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [Status] nvarchar(4000) NULL,
    [Name] nvarchar(4000) NULL,
    [TelecomSystem] nvarchar(4000) NULL,
    [TelecomValue] nvarchar(4000) NULL,
    [TelecomUse] nvarchar(4000) NULL,
    [TelecomRank] int NULL,
    [TelecomPeriodStart] datetime2(6) NULL,
    [TelecomPeriodEnd] datetime2(6) NULL,
    [AddressUse] nvarchar(4000) NULL,
    [AddressType] nvarchar(4000) NULL,
    [AddressText] nvarchar(4000) NULL,
    [AddressCity] nvarchar(4000) NULL,
    [AddressDistrict] nvarchar(4000) NULL,
    [AddressState] nvarchar(4000) NULL,
    [AddressPostalCode] nvarchar(4000) NULL,
    [AddressCountry] nvarchar(4000) NULL,
    [AddressPeriodStart] datetime2(6) NULL,
    [AddressPeriodEnd] datetime2(6) NULL,
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalLocation_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalLocation/partition-data-Location-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalLocation_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalLocation_old];
    IF OBJECT_ID(N'[cdm].[LocalLocation]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalLocation] TO [LocalLocation_old];
    RENAME OBJECT [cdm].[LocalLocation_load] TO [LocalLocation];
    IF OBJECT_ID(N'[cdm].[LocalLocation_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalLocation_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalMedicationRequest_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalMedicationRequest_load];
CREATE TABLE [cdm].[LocalMedicationRequest_load] (
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
    [AuthoredOn] datetime2(6) NULL,
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
    [DosageInstructionSequence] int NULL,
    [DosageInstructionText] nvarchar(4000) NULL,
    [DosageInstructionAsNeededBoolean] bit NULL,
    [DosageInstructionTimingRepeatFrequency] int NULL,
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalMedicationRequest_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalMedicationRequest/partition-data-MedicationRequest-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalMedicationRequest_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalMedicationRequest_old];
    IF OBJECT_ID(N'[cdm].[LocalMedicationRequest]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalMedicationRequest] TO [LocalMedicationRequest_old];
    RENAME OBJECT [cdm].[LocalMedicationRequest_load] TO [LocalMedicationRequest];
    IF OBJECT_ID(N'[cdm].[LocalMedicationRequest_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalMedicationRequest_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalMedicationRequestDosageInstruction_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalMedicationRequestDosageInstruction_load];
CREATE TABLE [cdm].[LocalMedicationRequestDosageInstruction_load] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [Sequence] int NULL,
    [Text] nvarchar(4000) NULL,
    [AsNeededBoolean] bit NULL,
    [TimingRepeatFrequency] int NULL,
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalMedicationRequestDosageInstruction_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalMedicationRequestDosageInstruction/partition-data-MedicationRequest-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalMedicationRequestDosageInstruction_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalMedicationRequestDosageInstruction_old];
    IF OBJECT_ID(N'[cdm].[LocalMedicationRequestDosageInstruction]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalMedicationRequestDosageInstruction] TO [LocalMedicationRequestDosageInstruction_old];
    RENAME OBJECT [cdm].[LocalMedicationRequestDosageInstruction_load] TO [LocalMedicationRequestDosageInstruction];
    IF OBJECT_ID(N'[cdm].[LocalMedicationRequestDosageInstruction_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalMedicationRequestDosageInstruction_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalObservation_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalObservation_load];
CREATE TABLE [cdm].[LocalObservation_load] (
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
    [EffectiveDateTime] datetime2(6) NULL,
    [Issued] datetime2(6) NULL,
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalObservation_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalObservation/partition-data-Observation-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalObservation_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalObservation_old];
    IF OBJECT_ID(N'[cdm].[LocalObservation]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalObservation] TO [LocalObservation_old];
    RENAME OBJECT [cdm].[LocalObservation_load] TO [LocalObservation];
    IF OBJECT_ID(N'[cdm].[LocalObservation_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalObservation_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalObservationCodeCoding_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalObservationCodeCoding_load];
CREATE TABLE [cdm].[LocalObservationCodeCoding_load] (
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalObservationCodeCoding_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalObservationCodeCoding/partition-data-Observation-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalObservationCodeCoding_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalObservationCodeCoding_old];
    IF OBJECT_ID(N'[cdm].[LocalObservationCodeCoding]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalObservationCodeCoding] TO [LocalObservationCodeCoding_old];
    RENAME OBJECT [cdm].[LocalObservationCodeCoding_load] TO [LocalObservationCodeCoding];
    IF OBJECT_ID(N'[cdm].[LocalObservationCodeCoding_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalObservationCodeCoding_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalObservationComponent_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalObservationComponent_load];
CREATE TABLE [cdm].[LocalObservationComponent_load] (
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalObservationComponent_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalObservationComponent/partition-data-Observation-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalObservationComponent_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalObservationComponent_old];
    IF OBJECT_ID(N'[cdm].[LocalObservationComponent]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalObservationComponent] TO [LocalObservationComponent_old];
    RENAME OBJECT [cdm].[LocalObservationComponent_load] TO [LocalObservationComponent];
    IF OBJECT_ID(N'[cdm].[LocalObservationComponent_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalObservationComponent_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalPatient_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatient_load];
CREATE TABLE [cdm].[LocalPatient_load] (
    [ResourceId] nvarchar(4000) NULL,
    [Id] nvarchar(4000) NULL,
    [MetaLastUpdated] datetime2(6) NULL,
    [IdentifierUse] nvarchar(4000) NULL,
    [IdentifierTypeCodingSystem] nvarchar(4000) NULL,
    [IdentifierTypeCodingVersion] nvarchar(4000) NULL,
    [IdentifierTypeCodingCode] nvarchar(4000) NULL,
    [IdentifierTypeCodingDisplay] nvarchar(4000) NULL,
    [IdentifierTypeCodingUserSelected] bit NULL,
    [IdentifierTypeText] nvarchar(4000) NULL,
    [IdentifierSystem] nvarchar(4000) NULL,
    [IdentifierValue] nvarchar(4000) NULL,
    [IdentifierPeriodStart] datetime2(6) NULL,
    [IdentifierPeriodEnd] datetime2(6) NULL,
    [IdentifierAssignerReference] nvarchar(4000) NULL,
    [IdentifierAssignerType] nvarchar(4000) NULL,
    [IdentifierAssignerDisplay] nvarchar(4000) NULL,
    [Active] bit NULL,
    [NameUse] nvarchar(4000) NULL,
    [NameText] nvarchar(4000) NULL,
    [NameFamily] nvarchar(4000) NULL,
    [NamePeriodStart] datetime2(6) NULL,
    [NamePeriodEnd] datetime2(6) NULL,
    [NameGiven] nvarchar(4000) NULL,
    [NameGivenAll] nvarchar(4000) NULL,
    [NamePrefix] nvarchar(4000) NULL,
    [NameSuffix] nvarchar(4000) NULL,
    [TelecomSystem] nvarchar(4000) NULL,
    [TelecomValue] nvarchar(4000) NULL,
    [TelecomUse] nvarchar(4000) NULL,
    [TelecomRank] int NULL,
    [TelecomPeriodStart] datetime2(6) NULL,
    [TelecomPeriodEnd] datetime2(6) NULL,
    [Gender] nvarchar(4000) NULL,
    [BirthDate] date NULL,
    [AddressUse] nvarchar(4000) NULL,
    [AddressType] nvarchar(4000) NULL,
    [AddressText] nvarchar(4000) NULL,
    [AddressCity] nvarchar(4000) NULL,
    [AddressDistrict] nvarchar(4000) NULL,
    [AddressState] nvarchar(4000) NULL,
    [AddressPostalCode] nvarchar(4000) NULL,
    [AddressCountry] nvarchar(4000) NULL,
    [AddressPeriodStart] datetime2(6) NULL,
    [AddressPeriodEnd] datetime2(6) NULL,
    [AddressLine] nvarchar(4000) NULL,
    [AddressLines] nvarchar(4000) NULL,
    [MaritalStatusCodingSystem] nvarchar(4000) NULL,
    [MaritalStatusCodingVersion] nvarchar(4000) NULL,
    [MaritalStatusCodingCode] nvarchar(4000) NULL,
    [MaritalStatusCodingDisplay] nvarchar(4000) NULL,
    [MaritalStatusCodingUserSelected] bit NULL,
    [MaritalStatusText] nvarchar(4000) NULL,
    [MultipleBirthInteger] int NULL,
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
    [DeceasedDateTime] datetime2(6) NULL,
    [MultipleBirthBoolean] bit NULL,
    [PreferredLanguage] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalPatient_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatient/partition-data-Patient-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalPatient_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatient_old];
    IF OBJECT_ID(N'[cdm].[LocalPatient]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalPatient] TO [LocalPatient_old];
    RENAME OBJECT [cdm].[LocalPatient_load] TO [LocalPatient];
    IF OBJECT_ID(N'[cdm].[LocalPatient_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatient_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalPatientAddress_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatientAddress_load];
CREATE TABLE [cdm].[LocalPatientAddress_load] (
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
    [PeriodStart] datetime2(6) NULL,
    [PeriodEnd] datetime2(6) NULL,
    [Line] nvarchar(4000) NULL,
    [Lines] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalPatientAddress_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatientAddress/partition-data-Patient-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalPatientAddress_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatientAddress_old];
    IF OBJECT_ID(N'[cdm].[LocalPatientAddress]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalPatientAddress] TO [LocalPatientAddress_old];
    RENAME OBJECT [cdm].[LocalPatientAddress_load] TO [LocalPatientAddress];
    IF OBJECT_ID(N'[cdm].[LocalPatientAddress_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatientAddress_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalPatientExtension_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatientExtension_load];
CREATE TABLE [cdm].[LocalPatientExtension_load] (
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalPatientExtension_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatientExtension/partition-data-Patient-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalPatientExtension_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatientExtension_old];
    IF OBJECT_ID(N'[cdm].[LocalPatientExtension]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalPatientExtension] TO [LocalPatientExtension_old];
    RENAME OBJECT [cdm].[LocalPatientExtension_load] TO [LocalPatientExtension];
    IF OBJECT_ID(N'[cdm].[LocalPatientExtension_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatientExtension_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalPatientIdentifier_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatientIdentifier_load];
CREATE TABLE [cdm].[LocalPatientIdentifier_load] (
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
    [PeriodStart] datetime2(6) NULL,
    [PeriodEnd] datetime2(6) NULL,
    [AssignerReference] nvarchar(4000) NULL,
    [AssignerType] nvarchar(4000) NULL,
    [AssignerDisplay] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalPatientIdentifier_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatientIdentifier/partition-data-Patient-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalPatientIdentifier_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatientIdentifier_old];
    IF OBJECT_ID(N'[cdm].[LocalPatientIdentifier]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalPatientIdentifier] TO [LocalPatientIdentifier_old];
    RENAME OBJECT [cdm].[LocalPatientIdentifier_load] TO [LocalPatientIdentifier];
    IF OBJECT_ID(N'[cdm].[LocalPatientIdentifier_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatientIdentifier_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalPatientName_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatientName_load];
CREATE TABLE [cdm].[LocalPatientName_load] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [Use] nvarchar(4000) NULL,
    [Text] nvarchar(4000) NULL,
    [Family] nvarchar(4000) NULL,
    [PeriodStart] datetime2(6) NULL,
    [PeriodEnd] datetime2(6) NULL,
    [Given] nvarchar(4000) NULL,
    [GivenAll] nvarchar(4000) NULL,
    [Prefix] nvarchar(4000) NULL,
    [Suffix] nvarchar(4000) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalPatientName_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatientName/partition-data-Patient-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalPatientName_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatientName_old];
    IF OBJECT_ID(N'[cdm].[LocalPatientName]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalPatientName] TO [LocalPatientName_old];
    RENAME OBJECT [cdm].[LocalPatientName_load] TO [LocalPatientName];
    IF OBJECT_ID(N'[cdm].[LocalPatientName_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatientName_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalPatientTelecom_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalPatientTelecom_load];
CREATE TABLE [cdm].[LocalPatientTelecom_load] (
    [RowId] nvarchar(4000) NULL,
    [ResourceId] nvarchar(4000) NULL,
    [FhirPath] nvarchar(4000) NULL,
    [ParentPath] nvarchar(4000) NULL,
    [System] nvarchar(4000) NULL,
    [Value] nvarchar(4000) NULL,
    [Use] nvarchar(4000) NULL,
    [Rank] int NULL,
    [PeriodStart] datetime2(6) NULL,
    [PeriodEnd] datetime2(6) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalPatientTelecom_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalPatientTelecom/partition-data-Patient-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalPatientTelecom_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatientTelecom_old];
    IF OBJECT_ID(N'[cdm].[LocalPatientTelecom]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalPatientTelecom] TO [LocalPatientTelecom_old];
    RENAME OBJECT [cdm].[LocalPatientTelecom_load] TO [LocalPatientTelecom];
    IF OBJECT_ID(N'[cdm].[LocalPatientTelecom_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalPatientTelecom_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalProcedure_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalProcedure_load];
CREATE TABLE [cdm].[LocalProcedure_load] (
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
    [PerformedPeriodStart] datetime2(6) NULL,
    [PerformedPeriodEnd] datetime2(6) NULL,
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
    [PerformedDateTime] datetime2(6) NULL
) WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX);
GO
BEGIN TRY
    COPY INTO [cdm].[LocalProcedure_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalProcedure/partition-data-Procedure-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalProcedure_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalProcedure_old];
    IF OBJECT_ID(N'[cdm].[LocalProcedure]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalProcedure] TO [LocalProcedure_old];
    RENAME OBJECT [cdm].[LocalProcedure_load] TO [LocalProcedure];
    IF OBJECT_ID(N'[cdm].[LocalProcedure_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalProcedure_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO

IF OBJECT_ID(N'[cdm].[LocalProcedureCodeCoding_load]', N'U') IS NOT NULL
    DROP TABLE [cdm].[LocalProcedureCodeCoding_load];
CREATE TABLE [cdm].[LocalProcedureCodeCoding_load] (
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
GO
BEGIN TRY
    COPY INTO [cdm].[LocalProcedureCodeCoding_load]
    FROM 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1/data/LocalProcedureCodeCoding/partition-data-Procedure-sqltest.parquet'
    WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Managed Identity'));
    IF OBJECT_ID(N'[cdm].[LocalProcedureCodeCoding_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalProcedureCodeCoding_old];
    IF OBJECT_ID(N'[cdm].[LocalProcedureCodeCoding]', N'U') IS NOT NULL
        RENAME OBJECT [cdm].[LocalProcedureCodeCoding] TO [LocalProcedureCodeCoding_old];
    RENAME OBJECT [cdm].[LocalProcedureCodeCoding_load] TO [LocalProcedureCodeCoding];
    IF OBJECT_ID(N'[cdm].[LocalProcedureCodeCoding_old]', N'U') IS NOT NULL
        DROP TABLE [cdm].[LocalProcedureCodeCoding_old];
END TRY
BEGIN CATCH
    THROW;
END CATCH
GO
