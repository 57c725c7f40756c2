<?xml version="1.0" encoding="UTF-8"?>
<!--
  govcbr-trn.xsl - GOVCBR (directory D21A) to TRN, the transit and cargo data
  of the Mongolian WCO DM 3.7 profile (xsd/mn/trn.xsd).

  Input: the EDIFACT-XML of an interchange (docs/edifact-xml.md). The string
  parameter `message` (1-based, default '1') picks (//e:message)[number($message)].
  Output: one md:MetaData envelope holding one trn:Declaration.

  This sheet only says where GOVCBR keeps things; edifact-trn-common.xsl
  (included) writes the document, with the same rules for CUSCAR, IFTMIN and
  GOVCBR. It reads the header and the cargo branch of GOVCBR (the
  consignment SG164 after HYN), which is where trn-govcbr.xsl writes; the
  declaration branch (SG56, between UNS+D and HYN) is not read. The full
  mapping table is in mappings/wco/README-trn-lpco.md; in short:

    BGM 1001 950|933|833  TypeCode TR|CA|CD (other codes stop the sheet)
    BGM C106/1004, 1225   FunctionalReferenceID, FunctionCode (9, 4, 1)
    RFF+ABT               ID
    DTM+137               IssueDateTime (203/204 Ulaanbaatar time, 205)
    SG1 and SG167 LOC+118, 122|45, 42, 50, 119, 49 (+SEQ), 9
                          offices of departure, destination, exit, transit,
                          guarantee; Itinerary; LoadingLocation
    CNT+5|51, 11, 7       GoodsItemQuantity, TotalPackageQuantity, TotalGrossMass
    SG34 TDT+11, else +20 BorderTransportMeans (C222/1131 with 3055 ZZZ:
                          IdentificationTypeCode)
    SG7 and SG165 NAD+CA, CN, CZ   Carrier, Consignee, Consignor
    SG168 DOC             TransportContractDocument (C002/1001, C503/1004)
    SG182 EQD+SEQ, SG183 SEL+SEQ   TransportEquipment, Seal
    RFF+ABL, MOA+166, GEI v:125 (SG164), SG1 LOC+119   ObligationGuarantee
    SG208 SEQ / SG240 GID ConsignmentItem: GID 1496, FTX+AAA (3453 language),
                          TCC C528/7357, MEA+WT+AAB|AAD, SG250 PAC + PCI
                          Packaging

  A GOVCBR with several consignments (SG164) is refused: TRN carries one.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:e="urn:khaalga:edifact-xml:1"
                xmlns:md="urn:customs.gov.mn:wco:3.7:metadata"
                xmlns:trn="urn:customs.gov.mn:wco:3.7:TRN"
                exclude-result-prefixes="e md trn">

  <xsl:include href="edifact-trn-common.xsl"/>

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <!-- SG164: the consignments of the cargo branch -->
  <xsl:variable name="cons" select="$msg/*[*[1][self::e:CNI]]"/>
  <xsl:variable name="nads" select="$msg/*[*[1][self::e:NAD]]/e:NAD | $cons/*[*[1][self::e:NAD]]/e:NAD"/>
  <xsl:variable name="locs" select="$msg/*[*[1][self::e:LOC]]/e:LOC | $cons/*[*[1][self::e:LOC]]/e:LOC"/>
  <xsl:variable name="rffs" select="$msg/e:RFF | $cons/e:RFF"/>
  <xsl:variable name="moas" select="$msg/e:MOA | $cons/e:MOA"/>
  <xsl:variable name="inds" select="$cons/e:GEI"/>
  <xsl:variable name="tdts" select="$msg/*[*[1][self::e:TDT]]/e:TDT"/>
  <xsl:variable name="docs" select="$cons/*[*[1][self::e:DOC]]/e:DOC"/>
  <xsl:variable name="cnts" select="$msg/e:CNT | $cons/e:CNT"/>
  <xsl:variable name="equipment" select="$cons/*[*[1][self::e:EQD]]"/>
  <xsl:variable name="items" select="$cons/*[*[1][self::e:SEQ]]/*[*[1][self::e:GID]]"/>

</xsl:stylesheet>
