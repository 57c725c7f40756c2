<?xml version="1.0" encoding="UTF-8"?>
<!--
  iftmin-trn.xsl - IFTMIN (directories D96B, D01B and D21A) to TRN, the
  transit and cargo data of the Mongolian WCO DM 3.7 profile (xsd/mn/trn.xsd).

  Input: the EDIFACT-XML of an interchange (docs/edifact-xml.md). The string
  parameter `message` (1-based, default '1') picks (//e:message)[number($message)].
  Output: one md:MetaData envelope holding one trn:Declaration.

  This sheet only says where IFTMIN keeps things; edifact-trn-common.xsl
  (included) writes the document, with the same rules for CUSCAR, IFTMIN and
  GOVCBR. Groups are found by their trigger segment, never by number (the
  parties are SG11 in D96B/D01B and SG12 in D21A, the goods items SG18 and
  SG20, the equipment SG37 and SG39). The full mapping table is in
  mappings/wco/README-trn-lpco.md; in short:

    BGM 1001 950|933|833  TypeCode TR|CA|CD (610 forwarding instructions and
                          other codes stop the sheet: they do not say which)
    BGM C106/1004, 1225   FunctionalReferenceID, FunctionCode (9, 4, 1)
    RFF+ABT (SG3)         ID
    DTM+137               IssueDateTime (203/204 Ulaanbaatar time, 205)
    LOC+118, 122|45, 42, 50, 119, 49, 9 (SG1 and the LOC groups of SG8 TDT)
                          offices of departure, destination, exit, transit,
                          guarantee; Itinerary; LoadingLocation
    CNT+5|51, 11, 7       GoodsItemQuantity, TotalPackageQuantity, TotalGrossMass
    TDT+11, else +20      BorderTransportMeans
    NAD+CA, CN, CZ        Carrier, Consignee, Consignor
    EQD group, SEL        TransportEquipment, Seal
    RFF CMR|RCN|WY|AWB|BM TransportContractDocument 730|720|720|740|705
    RFF+ABL, MOA+166, LOC+119   ObligationGuarantee (nth of each; IFTMIN
                          has no indicator segment for the kind of guarantee)
    GID group             ConsignmentItem: GID 1496, FTX+AAA, PIA C212 7143 HS,
                          MEA+WT+G|AAD(|AAB in D21A), GID C213 + PCI Packaging

  Not mapped (TRN has no place): the contact CTA/COM, places 5, 8, 17 ... and
  their dates, terms of delivery, charges TCC/MOA other than the guarantee,
  the documents required (DOC), free text other than FTX+AAA, handling,
  dangerous goods, dimensions, party LOC/MOA, item level parties and
  references.
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

  <!-- an IFTMIN is one consignment -->
  <xsl:variable name="cons" select="$msg"/>
  <xsl:variable name="nads" select="$msg/*[*[1][self::e:NAD]]/e:NAD"/>
  <xsl:variable name="locs" select="$msg/*[*[1][self::e:LOC]]/e:LOC
                                    | $msg/*[*[1][self::e:TDT]]/*[*[1][self::e:LOC]]/e:LOC"/>
  <xsl:variable name="rffs" select="$msg/*[*[1][self::e:RFF]]/e:RFF"/>
  <xsl:variable name="moas" select="$msg/e:MOA"/>
  <xsl:variable name="inds" select="/.."/>
  <xsl:variable name="tdts" select="$msg/*[*[1][self::e:TDT]]/e:TDT"/>
  <xsl:variable name="docs" select="/.."/>
  <xsl:variable name="cnts" select="$msg/e:CNT"/>
  <xsl:variable name="equipment" select="$msg/*[*[1][self::e:EQD]]"/>
  <xsl:variable name="items" select="$msg/*[*[1][self::e:GID]]"/>

</xsl:stylesheet>
