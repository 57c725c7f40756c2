<?xml version="1.0" encoding="UTF-8"?>
<!--
  cuscar-trn.xsl - CUSCAR (directories D96B, D01B and D21A) to TRN, the
  transit and cargo data of the Mongolian WCO DM 3.7 profile (xsd/mn/trn.xsd).

  Input: the EDIFACT-XML of an interchange (docs/edifact-xml.md). The string
  parameter `message` (1-based, default '1') picks (//e:message)[number($message)].
  Output: one md:MetaData envelope holding one trn:Declaration.

  This sheet only says where CUSCAR keeps things; edifact-trn-common.xsl
  (included) writes the document, with the same rules for CUSCAR, IFTMIN and
  GOVCBR. Groups are found by their trigger segment, never by number, so the
  three directories share every line (D96B and D01B use GIS, D21A GEI; D01B
  and D21A have header LOC, D96B has not). The full mapping table is in
  mappings/wco/README-trn-lpco.md; in short:

    BGM 1001 950|933|833  TypeCode TR|CA|CD (other codes stop the sheet)
    BGM C106/1004, 1225   FunctionalReferenceID, FunctionCode (9, 4, 1)
    RFF+ABT               ID
    DTM+137               IssueDateTime (203/204 Ulaanbaatar time, 205)
    LOC+118, 122|45, 42, 50, 119, 49, 9
                          offices of departure, destination, exit, transit,
                          guarantee; Itinerary; LoadingLocation
                          (header, SG4 transport and SG8 consignment LOC)
    CNT+5|51, 11, 7       GoodsItemQuantity, TotalPackageQuantity, TotalGrossMass
    SG4 TDT+11, else +20  BorderTransportMeans
    NAD+CA, CN, CZ        Carrier, Consignee, Consignor (SG2 and SG11)
    SG5 EQD, SEL          TransportEquipment, Seal
    RFF CMR|RCN|WY|AWB|BM TransportContractDocument 730|720|720|740|705
    RFF+ABL, MOA+166, GIS|GEI v:125, LOC+119   ObligationGuarantee (nth of each)
    SG14 GID group        ConsignmentItem: GID 1496, FTX+AAA, CST C246 7361,
                          MEA+WT+G|AAD(|AAB in D21A), GID C213 + PCI Packaging

  A CUSCAR reporting several consignments (SG8 groups) is refused: TRN
  carries one consignment. Not mapped (TRN has no place): dates of
  departure/arrival (DTM+132/133 ...), places 5, 8, 11, 17 ..., contacts
  CTA/COM, free text other than FTX+AAA, dangerous goods DGS, equipment
  weights, references whose qualifier does not name the transport document
  (AAM, AAS ...), the sender NAD+MS, SG17 AUT.
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

  <!-- SG8: the consignment (bill) groups of SG7 CNI -->
  <xsl:variable name="cons" select="$msg/*[*[1][self::e:CNI]]/*[*[1][self::e:RFF]]"/>
  <xsl:variable name="nads" select="$msg/*[*[1][self::e:NAD]]/e:NAD | $cons/*[*[1][self::e:NAD]]/e:NAD"/>
  <xsl:variable name="locs" select="$msg/e:LOC | $msg/*[*[1][self::e:TDT]]/e:LOC | $cons/e:LOC"/>
  <xsl:variable name="rffs" select="$msg/*[*[1][self::e:RFF]]/e:RFF | $cons/e:RFF"/>
  <xsl:variable name="moas" select="$cons/e:MOA"/>
  <xsl:variable name="inds" select="$msg/e:GIS | $msg/e:GEI | $cons/e:GIS | $cons/e:GEI"/>
  <xsl:variable name="tdts" select="$msg/*[*[1][self::e:TDT]]/e:TDT"/>
  <xsl:variable name="docs" select="/.."/>
  <xsl:variable name="cnts" select="$msg/e:CNT | $msg/*[*[1][self::e:CNI]]/e:CNT | $cons/e:CNT"/>
  <xsl:variable name="equipment" select="$msg/*[*[1][self::e:EQD]]"/>
  <xsl:variable name="items" select="$cons/*[*[1][self::e:GID]]"/>

</xsl:stylesheet>
