<?xml version="1.0" encoding="UTF-8"?>
<!--
  cusdec-dec.xsl - CUSDEC (directories D96B, D01B and D21A) to the goods
  declaration DEC of the Mongolian WCO DM 3.7 profile (xsd/mn/dec.xsd).

  Input: the EDIFACT-XML of an interchange (docs/edifact-xml.md). The string
  parameter `message` (1-based, default '1') picks (//e:message)[number($message)].
  Output: one md:MetaData envelope holding one dec:Declaration.

  The directories number their segment groups differently (the goods item is
  SG30 in D96B/D01B and SG32 in D21A, ...), so the sheet never names a group:
  a group is found by its trigger segment (the goods items are the children of
  the message whose first segment is CST, the parties the NAD of the header
  groups whose first segment is NAD, ...) and a segment by its tag and
  qualifier. The few directory-specific differences are in small templates
  marked "per directory": the indicator segment (GIS C529 in D96B/D01B, GEI
  with C012 and 7187 in D21A) and the means of transport type (TDT C228 in
  D96B/D01B, C001 in D21A). Weights are read with the codes of every
  directory (gross G or AAD, net AAF, AAL or N: D21A withdrew G and AAL).

  Indicators ("GIS v:L" below; in D21A "GEI q+v:L", any qualifier q): the
  value v in 7365, the UN/EDIFACT 1131 code list L naming what it is:
  125 customs transit guarantee (type), 127 customs valuation method, 134
  duty, tax or fee payment method. The representation status of the agent
  has no 1131 list: it is "GIS 2|3:ZZZ:ZZZ:102" (mutually defined list and
  agency, 7187 = 102, its WCO DM ID). The container indicator is the 7365
  code itself: 68 goods carried in containers, 69 not.

  Mapping (CUSDEC -> DEC; "hdr" = message header, before UNS+D):
    BGM C002/1001        TypeCode: 929 IM, 830 EX, 950 TR; header CST C246
                         with 1131 = 105 (customs declaration type) wins when
                         present (FZ has no 1001 code: BGM 914 + CST FZ:105)
    BGM C106/1004        FunctionalReferenceID (LRN)
    BGM 1225             FunctionCode
    hdr RFF+ABT          ID (MRN)
    hdr DTM+137          IssueDateTime (format 203, 204 or 205)
    hdr LOC+22           DeclarationOfficeID
    CNT+5                GoodsItemQuantity (else the number of goods items)
    CNT+11               TotalPackageQuantity
    hdr MEA+WT+G|AAD     TotalGrossMassMeasure
    hdr MOA+39           InvoiceAmount
    hdr DOC (+DTM 182|3|137)  AdditionalDocument (category from the type code)
    hdr FTX              AdditionalInformation (4451 type, C107/4441 code,
                         C108/4440 text)
    NAD+AE (else CB)     Agent; FunctionCode from hdr GIS 2|3:ZZZ:ZZZ:102
    SG50 AUT 9280        Authentication
    TDT+11               BorderTransportMeans (8028, or C222/8213; C220/8067
                         mode; means type 8179; C222/8453 nationality)
    hdr CUX              CurrencyExchange (reference currency, rate)
    NAD+DT               Declarant
    hdr LOC+42           ExitOffice
    NAD+EX               Exporter (Declaration level on EX, else GoodsShipment)
    hdr GIS v:125 + RFF+ABL + MOA+166 (n-th of each)  ObligationGuarantee
    last section TAX+4 group (MOA+176, GIS v:134) + n-th hdr RFF+PQ  Payment
    hdr CST C246 1131=112  GoodsShipment/TransactionNatureCode
    NAD+BY CN CZ IM SE   Buyer Consignee Consignor Importer Seller
    hdr GIS 68|69        Consignment/ContainerCode 1|0
    hdr LOC+49           Consignment/Itinerary (in order)
    hdr EQD C237/8260, SEL  Consignment/TransportEquipment, Seal
    hdr MOA+144|70|81    CustomsValuation/ChargeDeduction FRT|INS|LOA
    hdr LOC+28, LOC+35   Destination, ExportCountry
    TOD C100/4053 (else the Incoterms code opening 4052), 4052  TradeTerms
    hdr RFF+UCN          UCR/ID
  Goods item (group whose trigger is CST):
    CST 1496             SequenceNumeric
    MOA+123 (else MOA+40, customs value: the profile's statistical value is
                         the customs value in MNT)   StatisticalValueAmount
    DOC group (+DTM, NAD+MS)  AdditionalDocument (Submitter from NAD+MS)
    FTX other than AAA   AdditionalInformation
    FTX+AAA              Commodity/Description (languageID from FTX 3453)
    CST C246 with 1131 = 169 or without 1131  Classification/ID; the
                         IdentificationTypeCode is TSP, the profile's only
                         scheme (the national 8-digit tariff)
    TAX+1 group          DutyTaxFee: C241/5153 type, 5305 regime, 5286 +
                         C243/5273 specific base, MOA+125 ad valorem base,
                         C243/5278 rate, MOA+161 payment, GIS v:134 method
    MEA+WT+G|AAD, MEA+WT+AAF|AAL|N, MEA+AAR  GoodsMeasure gross, net, tariff qty
    GIS v:127 (item GIS group)  CustomsValuation/MethodCode
    CST C246 1131=117    GovernmentProcedure (4 digits: current + previous)
    LOC+27               Origin/CountryCode
    PAC group (+PCI)     Packaging (sequence = order in the item)
  Invoice line of a goods item (group whose trigger is LIN, in a group whose
  trigger is DMS, the invoice, before the goods items; CUSDEC has no PRI in
  the goods item group): the first LIN whose 1082 is the goods item number
  (CST 1496) gives Commodity/InvoiceLine (one per goods item):
    MOA+203 (else MOA+38)  ItemChargeAmount (line item amount; D21A withdrew
                         38, invoice item amount; 6345 currency)
    PRI+INV C509/5118    UnitPriceAmount (invoice price); its currency is the
                         line's amount's currency, else the invoice's (hdr
                         MOA+39), else the sheet stops (PRI has none)
    QTY+47 C186/6060     QuantityQuantity (invoiced quantity; 6411 its unit)

  Multi-component texts are joined: names (C080) and free text (C108, PCI
  C210) with a space, street lines (C059) with ", ".

  Dates: DTM format 102 gives an xs:date; 203 and 204 give an xs:dateTime in
  Ulaanbaatar time, written with the offset +08:00 (Mongolia is UTC+8 all year
  and has no daylight saving time; a CUSDEC time without zone is local time);
  205 carries its own offset. A date-time needed where only 102 is given is
  missing data: the sheet stops.

  Nothing is invented: when the message lacks something DEC requires, the
  sheet stops (xsl:message terminate) naming the segment and qualifier that
  is missing and the DEC element that needs it. DEC requires a customs
  procedure for every goods item (GovernmentProcedure): a CUSDEC without
  CST C246 "nnnn:117" in its items is refused. Segments DEC has no place
  for are left out: the office of entry LOC+41, place names (LOC C517/3224),
  the declarant's customs identity RFF+ABP, contacts CTA/COM, the duty and
  tax totals of the last section (TAX groups other than TAX+4), unstructured
  names (NAD C058), ... Decimal commas are written as points.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:e="urn:khaalga:edifact-xml:1"
                xmlns:md="urn:customs.gov.mn:wco:3.7:metadata"
                xmlns:dec="urn:customs.gov.mn:wco:3.7:DEC"
                exclude-result-prefixes="e md dec">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="message" select="'1'"/>

  <!-- marks each output element with its source when khaalga records provenance -->
  <xsl:include href="provenance.xsl"/>

  <xsl:variable name="msg" select="(//e:message)[number($message)]"/>
  <xsl:variable name="ref" select="$msg/e:BGM/e:C106/e:D1004"/>
  <!-- the indicator segment, for messages: GEI in D21A, GIS before -->
  <xsl:variable name="ind">
    <xsl:choose>
      <xsl:when test="$msg/@directory = 'D21A'">GEI</xsl:when>
      <xsl:otherwise>GIS</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Header groups, found by their trigger segment. -->
  <xsl:variable name="h-rff" select="$msg/*[*[1][self::e:RFF]]/e:RFF"/>
  <xsl:variable name="h-docs" select="$msg/*[*[1][self::e:DOC]]"/>
  <xsl:variable name="h-nad" select="$msg/*[*[1][self::e:NAD]]/e:NAD"/>
  <xsl:variable name="h-moas" select="$msg/*[*[1][self::e:MOA]]"/>
  <xsl:variable name="h-moa" select="$h-moas/e:MOA"/>
  <xsl:variable name="h-tod" select="$msg/*[*[1][self::e:TOD]]/e:TOD"/>
  <xsl:variable name="h-tdt" select="$msg/*[*[1][self::e:TDT]]/e:TDT[e:D8051 = '11']"/>
  <xsl:variable name="items" select="$msg/*[*[1][self::e:CST]]"/>
  <!-- the lines of the invoices (groups whose trigger is LIN, in the groups
       whose trigger is DMS) -->
  <xsl:variable name="invoice-lines" select="$msg/*[*[1][self::e:DMS]]/*[*[1][self::e:LIN]]"/>
  <xsl:variable name="totals" select="$msg/*[*[1][self::e:TAX]]"/>
  <xsl:variable name="aut" select="$msg/*[*[1][self::e:AUT]]/e:AUT"/>

  <xsl:variable name="type">
    <xsl:variable name="cst" select="$msg/e:CST/e:C246[e:D1131 = '105']/e:D7361"/>
    <xsl:variable name="doc" select="$msg/e:BGM/e:C002/e:D1001"/>
    <xsl:choose>
      <xsl:when test="$cst"><xsl:value-of select="$cst"/></xsl:when>
      <xsl:when test="$doc = '929'">IM</xsl:when>
      <xsl:when test="$doc = '830'">EX</xsl:when>
      <xsl:when test="$doc = '950'">TR</xsl:when>
    </xsl:choose>
  </xsl:variable>

  <!-- ============================================================ helpers -->

  <!-- Stops the translation: what DEC needs and where CUSDEC would carry it. -->
  <xsl:template name="missing">
    <xsl:param name="dec"/>
    <xsl:param name="where"/>
    <xsl:message terminate="yes">
      <xsl:value-of select="concat('CUSDEC message ', $message)"/>
      <xsl:if test="string($ref)"><xsl:value-of select="concat(' (', $ref, ')')"/></xsl:if>
      <xsl:value-of select="concat(': ', $where, '; DEC requires ', $dec)"/>
    </xsl:message>
  </xsl:template>

  <!-- Stops unless value is non-empty. -->
  <xsl:template name="require">
    <xsl:param name="value"/>
    <xsl:param name="dec"/>
    <xsl:param name="where"/>
    <xsl:if test="normalize-space($value) = ''">
      <xsl:call-template name="missing">
        <xsl:with-param name="dec" select="$dec"/>
        <xsl:with-param name="where" select="concat($where, ' is missing')"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- A number as XML Schema writes it: decimal comma to point. -->
  <xsl:template name="num">
    <xsl:param name="v"/>
    <xsl:value-of select="translate($v, ',', '.')"/>
  </xsl:template>

  <!-- The components of a composite joined by sep. -->
  <xsl:template name="join">
    <xsl:param name="parts"/>
    <xsl:param name="sep" select="' '"/>
    <xsl:for-each select="$parts">
      <xsl:if test="position() &gt; 1"><xsl:value-of select="$sep"/></xsl:if>
      <xsl:value-of select="."/>
    </xsl:for-each>
  </xsl:template>

  <!-- An amount from a MOA: the element name is given, the currency required. -->
  <xsl:template name="amount">
    <xsl:param name="moa"/>
    <xsl:param name="name"/>
    <xsl:param name="where"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$moa/e:C516/e:D5004"/>
      <xsl:with-param name="dec" select="$name"/>
      <xsl:with-param name="where" select="concat($where, ' C516/5004 (amount)')"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$moa/e:C516/e:D6345"/>
      <xsl:with-param name="dec" select="concat($name, '/@currencyID')"/>
      <xsl:with-param name="where" select="concat($where, ' C516/6345 (currency)')"/>
    </xsl:call-template>
    <xsl:element name="dec:{$name}">
      <xsl:attribute name="currencyID"><xsl:value-of select="$moa/e:C516/e:D6345"/></xsl:attribute>
      <xsl:apply-templates select="$moa/e:C516/e:D5004" mode="provenance"/>
      <xsl:call-template name="num"><xsl:with-param name="v" select="$moa/e:C516/e:D5004"/></xsl:call-template>
    </xsl:element>
  </xsl:template>

  <!-- A measure from a MEA: value C174/6314, unit C174/6411. -->
  <xsl:template name="measure">
    <xsl:param name="mea"/>
    <xsl:param name="name"/>
    <xsl:param name="where"/>
    <xsl:param name="unit-required" select="true()"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$mea/e:C174/e:D6314"/>
      <xsl:with-param name="dec" select="$name"/>
      <xsl:with-param name="where" select="concat($where, ' C174/6314 (value)')"/>
    </xsl:call-template>
    <xsl:if test="$unit-required">
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="$mea/e:C174/e:D6411"/>
        <xsl:with-param name="dec" select="concat($name, '/@unitCode')"/>
        <xsl:with-param name="where" select="concat($where, ' C174/6411 (unit)')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:element name="dec:{$name}">
      <xsl:if test="string($mea/e:C174/e:D6411)">
        <xsl:attribute name="unitCode"><xsl:value-of select="$mea/e:C174/e:D6411"/></xsl:attribute>
      </xsl:if>
      <xsl:apply-templates select="$mea/e:C174/e:D6314" mode="provenance"/>
      <xsl:call-template name="num"><xsl:with-param name="v" select="$mea/e:C174/e:D6314"/></xsl:call-template>
    </xsl:element>
  </xsl:template>

  <!-- DTM C507 to xs:date (102; the date part of 203, 204, 205). -->
  <xsl:template name="date">
    <xsl:param name="c507"/>
    <xsl:param name="where"/>
    <xsl:variable name="v" select="string($c507/e:D2380)"/>
    <xsl:variable name="f" select="string($c507/e:D2379)"/>
    <xsl:choose>
      <xsl:when test="($f = '102' and string-length($v) = 8) or ($f = '203' and string-length($v) = 12)
                      or ($f = '204' and string-length($v) = 14) or ($f = '205' and string-length($v) = 17)">
        <xsl:value-of select="concat(substring($v, 1, 4), '-', substring($v, 5, 2), '-', substring($v, 7, 2))"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="missing">
          <xsl:with-param name="dec" select="'a date (xs:date)'"/>
          <xsl:with-param name="where" select="concat($where, ': ', $v, ' in format ', $f, ' (102, 203, 204 or 205 expected)')"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- DTM C507 to xs:dateTime: 203/204 are Ulaanbaatar time (+08:00), 205 has its offset. -->
  <xsl:template name="datetime">
    <xsl:param name="c507"/>
    <xsl:param name="dec"/>
    <xsl:param name="where"/>
    <xsl:variable name="v" select="string($c507/e:D2380)"/>
    <xsl:variable name="f" select="string($c507/e:D2379)"/>
    <xsl:variable name="day" select="concat(substring($v, 1, 4), '-', substring($v, 5, 2), '-', substring($v, 7, 2),
                                            'T', substring($v, 9, 2), ':', substring($v, 11, 2), ':')"/>
    <xsl:choose>
      <xsl:when test="$f = '203' and string-length($v) = 12">
        <xsl:value-of select="concat($day, '00+08:00')"/>
      </xsl:when>
      <xsl:when test="$f = '204' and string-length($v) = 14">
        <xsl:value-of select="concat($day, substring($v, 13, 2), '+08:00')"/>
      </xsl:when>
      <xsl:when test="$f = '205' and string-length($v) = 17">
        <xsl:value-of select="concat($day, '00', substring($v, 13, 1), substring($v, 14, 2), ':', substring($v, 16, 2))"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="missing">
          <xsl:with-param name="dec" select="concat($dec, ' (a date with time)')"/>
          <xsl:with-param name="where" select="concat($where, ' has ', $v, ' in format ', $f, ' (203, 204 or 205 expected)')"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Indicators: the value of the nth GIS (D96B, D01B) or GEI (D21A) among
       the children of $in whose code list (1131) is $list and, when given,
       whose process type (7187) is $process. -->
  <xsl:template name="indicator">
    <xsl:param name="in"/>
    <xsl:param name="list"/>
    <xsl:param name="process" select="''"/>
    <xsl:param name="nth" select="1"/>
    <xsl:apply-templates mode="indicator-value"
        select="($in/e:GIS[e:C529/e:D1131 = $list][$process = '' or e:C529/e:D7187 = $process]
               | $in/e:GEI[e:C012/e:D1131 = $list][$process = '' or e:D7187 = $process])[position() = $nth]"/>
  </xsl:template>

  <!-- per directory: D96B, D01B GIS C529 -->
  <xsl:template match="e:GIS" mode="indicator-value">
    <xsl:value-of select="e:C529/e:D7365"/>
  </xsl:template>

  <!-- per directory: D21A GEI C012 -->
  <xsl:template match="e:GEI" mode="indicator-value">
    <xsl:value-of select="e:C012/e:D7365"/>
  </xsl:template>

  <!-- The container indicator: GIS/GEI 68 (carried in containers) or 69, without a code list. -->
  <xsl:template name="container-indicator">
    <xsl:variable name="v" select="($msg/e:GIS/e:C529[not(e:D1131)][e:D7365 = '68' or e:D7365 = '69']
                                  | $msg/e:GEI/e:C012[not(e:D1131)][e:D7365 = '68' or e:D7365 = '69'])[1]/e:D7365"/>
    <xsl:choose>
      <xsl:when test="$v = '68'">1</xsl:when>
      <xsl:when test="$v = '69'">0</xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- per directory: TDT means of transport type, C228/8179 in D96B and D01B ... -->
  <xsl:template match="e:TDT" mode="means-type">
    <xsl:value-of select="e:C228/e:D8179"/>
  </xsl:template>

  <!-- ... C001/8179 in D21A -->
  <xsl:template match="e:message[@directory = 'D21A']//e:TDT" mode="means-type">
    <xsl:value-of select="e:C001/e:D8179"/>
  </xsl:template>

  <!-- The category of an additional document follows from its type: the
       profile's code list (common.xsd DocumentCategoryCodeType) names the
       national types; UN/EDIFACT 1001: 7xx transport, 3xx and 271 commercial,
       licences and certificates LPCO. -->
  <xsl:template name="document-category">
    <xsl:param name="code"/>
    <xsl:choose>
      <xsl:when test="$code = 'ACR' or $code = 'AOR' or $code = 'AVR'">R</xsl:when>
      <xsl:when test="contains(' PHY VET SAN LIC SPE COO 811 851 852 853 861 864 865 911 954 ', concat(' ', $code, ' '))">L</xsl:when>
      <xsl:when test="string-length($code) = 3 and translate($code, '0123456789', '') = ''
                      and (starts-with($code, '7'))">T</xsl:when>
      <xsl:when test="string-length($code) = 3 and translate($code, '0123456789', '') = ''
                      and (starts-with($code, '3') or $code = '271')">C</xsl:when>
      <xsl:otherwise>O</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ============================================================ document -->

  <xsl:template match="/">
    <xsl:if test="not($msg)">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat('there is no message ', $message, ' in the interchange')"/>
      </xsl:message>
    </xsl:if>
    <xsl:if test="$msg/@type != 'CUSDEC'">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat('message ', $message, ' is a ', $msg/@type, ', not a CUSDEC')"/>
      </xsl:message>
    </xsl:if>
    <md:MetaData>
      <md:WCODataModelVersionCode>3.7</md:WCODataModelVersionCode>
      <md:WCOTypeName>DEC</md:WCOTypeName>
      <md:ResponsibleCountryCode>MN</md:ResponsibleCountryCode>
      <md:ResponsibleAgencyName>General Customs Administration of Mongolia</md:ResponsibleAgencyName>
      <md:AgencyAssignedCustomizationCode>MN</md:AgencyAssignedCustomizationCode>
      <md:AgencyAssignedCustomizationVersionCode>1.0</md:AgencyAssignedCustomizationVersionCode>
      <xsl:apply-templates select="$msg" mode="declaration"/>
    </md:MetaData>
  </xsl:template>

  <xsl:template match="e:message" mode="declaration">
    <xsl:variable name="bgm" select="e:BGM"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$bgm/e:D1225"/>
      <xsl:with-param name="dec" select="'Declaration/FunctionCode'"/>
      <xsl:with-param name="where" select="'BGM 1225 (message function)'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$ref"/>
      <xsl:with-param name="dec" select="'Declaration/FunctionalReferenceID'"/>
      <xsl:with-param name="where" select="'BGM C106/1004 (document number)'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$type"/>
      <xsl:with-param name="dec" select="'Declaration/TypeCode'"/>
      <xsl:with-param name="where" select="concat('a declaration type (BGM C002/1001 929, 830 or 950, it is ', $bgm/e:C002/e:D1001,
                                                  ', or a header CST C246 with 1131 = 105)')"/>
    </xsl:call-template>
    <dec:Declaration>
      <xsl:apply-templates select="$bgm" mode="provenance"/>
      <dec:FunctionCode><xsl:apply-templates select="$bgm/e:D1225" mode="provenance"/><xsl:value-of select="$bgm/e:D1225"/></dec:FunctionCode>
      <dec:FunctionalReferenceID><xsl:apply-templates select="$ref" mode="provenance"/><xsl:value-of select="$ref"/></dec:FunctionalReferenceID>
      <xsl:for-each select="$h-rff[e:C506/e:D1153 = 'ABT'][1]">
        <dec:ID><xsl:apply-templates select="e:C506/e:D1154" mode="provenance"/><xsl:value-of select="e:C506/e:D1154"/></dec:ID>
      </xsl:for-each>
      <dec:TypeCode><xsl:apply-templates select="($msg/e:CST/e:C246[e:D1131 = '105']/e:D7361 | $bgm/e:C002/e:D1001)[last()]" mode="provenance"/><xsl:value-of select="$type"/></dec:TypeCode>
      <xsl:variable name="issued" select="e:DTM/e:C507[e:D2005 = '137']"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="$issued/e:D2380"/>
        <xsl:with-param name="dec" select="'Declaration/IssueDateTime'"/>
        <xsl:with-param name="where" select="'header DTM+137 (document date/time)'"/>
      </xsl:call-template>
      <dec:IssueDateTime>
        <xsl:apply-templates select="$issued[1]/e:D2380" mode="provenance"/>
        <xsl:call-template name="datetime">
          <xsl:with-param name="c507" select="$issued[1]"/>
          <xsl:with-param name="dec" select="'Declaration/IssueDateTime'"/>
          <xsl:with-param name="where" select="'header DTM+137'"/>
        </xsl:call-template>
      </dec:IssueDateTime>
      <xsl:variable name="office" select="e:LOC[e:D3227 = '22'][1]/e:C517/e:D3225"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="$office"/>
        <xsl:with-param name="dec" select="'Declaration/DeclarationOfficeID'"/>
        <xsl:with-param name="where" select="'header LOC+22 (customs office of clearance) C517/3225'"/>
      </xsl:call-template>
      <dec:DeclarationOfficeID><xsl:apply-templates select="$office" mode="provenance"/><xsl:value-of select="$office"/></dec:DeclarationOfficeID>
      <dec:GoodsItemQuantity>
        <xsl:variable name="cnt" select="e:CNT/e:C270[e:D6069 = '5']/e:D6066"/>
        <xsl:apply-templates select="$cnt" mode="provenance"/>
        <xsl:choose>
          <xsl:when test="$cnt"><xsl:value-of select="$cnt"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="count($items)"/></xsl:otherwise>
        </xsl:choose>
      </dec:GoodsItemQuantity>
      <xsl:for-each select="e:CNT/e:C270[e:D6069 = '11'][1]">
        <dec:TotalPackageQuantity><xsl:apply-templates select="e:D6066" mode="provenance"/><xsl:value-of select="e:D6066"/></dec:TotalPackageQuantity>
      </xsl:for-each>
      <xsl:for-each select="e:MEA[e:D6311 = 'WT'][e:C502/e:D6313 = 'G' or e:C502/e:D6313 = 'AAD'][1]">
        <xsl:call-template name="measure">
          <xsl:with-param name="mea" select="."/>
          <xsl:with-param name="name" select="'TotalGrossMassMeasure'"/>
          <xsl:with-param name="where" select="concat('header MEA+WT+', e:C502/e:D6313)"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="$h-moa[e:C516/e:D5025 = '39'][1]">
        <xsl:call-template name="amount">
          <xsl:with-param name="moa" select="."/>
          <xsl:with-param name="name" select="'InvoiceAmount'"/>
          <xsl:with-param name="where" select="'header MOA+39 (invoice total)'"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:apply-templates select="$h-docs" mode="document">
        <xsl:with-param name="where" select="'header DOC'"/>
      </xsl:apply-templates>
      <xsl:apply-templates select="e:FTX" mode="information"/>
      <xsl:apply-templates select="($h-nad[e:D3035 = 'AE'] | $h-nad[e:D3035 = 'CB'])[1]" mode="agent"/>
      <xsl:for-each select="$aut[1]">
        <dec:Authentication>
          <dec:Authentication><xsl:apply-templates select="e:D9280" mode="provenance"/><xsl:value-of select="e:D9280"/></dec:Authentication>
        </dec:Authentication>
      </xsl:for-each>
      <xsl:apply-templates select="$h-tdt[1]" mode="border-transport"/>
      <xsl:apply-templates select="$h-moas/*[*[1][self::e:CUX]]/e:CUX" mode="exchange"/>
      <xsl:variable name="declarant" select="$h-nad[e:D3035 = 'DT'][1]"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="$declarant/e:D3035"/>
        <xsl:with-param name="dec" select="'Declaration/Declarant'"/>
        <xsl:with-param name="where" select="'NAD+DT (declarant)'"/>
      </xsl:call-template>
      <xsl:apply-templates select="$declarant" mode="party">
        <xsl:with-param name="name" select="'Declarant'"/>
        <xsl:with-param name="id-required" select="true()"/>
      </xsl:apply-templates>
      <xsl:for-each select="e:LOC[e:D3227 = '42'][1]">
        <dec:ExitOffice><dec:ID><xsl:apply-templates select="e:C517/e:D3225" mode="provenance"/><xsl:value-of select="e:C517/e:D3225"/></dec:ID></dec:ExitOffice>
      </xsl:for-each>
      <xsl:if test="$type = 'EX'">
        <xsl:apply-templates select="$h-nad[e:D3035 = 'EX'][1]" mode="party">
          <xsl:with-param name="name" select="'Exporter'"/>
        </xsl:apply-templates>
      </xsl:if>
      <xsl:call-template name="goods-shipment"/>
      <xsl:call-template name="guarantees"/>
      <xsl:apply-templates select="$totals[e:TAX/e:D5283 = '4']" mode="payment"/>
    </dec:Declaration>
  </xsl:template>

  <!-- ============================================================ declaration level -->

  <!-- FTX: an additional statement (header, or an item's FTX other than AAA). -->
  <xsl:template match="e:FTX" mode="information">
    <dec:AdditionalInformation>
      <xsl:for-each select="e:C107/e:D4441">
        <dec:StatementCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="."/></dec:StatementCode>
      </xsl:for-each>
      <xsl:if test="e:C108/e:D4440">
        <dec:StatementDescription>
          <xsl:for-each select="e:D3453">
            <xsl:attribute name="languageID"><xsl:value-of select="."/></xsl:attribute>
          </xsl:for-each>
          <xsl:apply-templates select="e:C108/e:D4440" mode="provenance"/>
          <xsl:call-template name="join"><xsl:with-param name="parts" select="e:C108/e:D4440"/></xsl:call-template>
        </dec:StatementDescription>
      </xsl:if>
      <dec:StatementTypeCode><xsl:apply-templates select="e:D4451" mode="provenance"/><xsl:value-of select="e:D4451"/></dec:StatementTypeCode>
    </dec:AdditionalInformation>
  </xsl:template>

  <!-- A DOC group: an additional document. -->
  <xsl:template match="*" mode="document">
    <xsl:param name="where"/>
    <xsl:variable name="doc" select="e:DOC"/>
    <xsl:variable name="code" select="$doc/e:C002/e:D1001"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$code"/>
      <xsl:with-param name="dec" select="'AdditionalDocument/TypeCode'"/>
      <xsl:with-param name="where" select="concat($where, ' C002/1001 (document name code)')"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$doc/e:C503/e:D1004"/>
      <xsl:with-param name="dec" select="'AdditionalDocument/ID'"/>
      <xsl:with-param name="where" select="concat($where, '+', $code, ' C503/1004 (document number)')"/>
    </xsl:call-template>
    <dec:AdditionalDocument>
      <xsl:apply-templates select="$doc" mode="provenance"/>
      <dec:CategoryCode>
        <xsl:apply-templates select="$code" mode="provenance"/>
        <xsl:call-template name="document-category"><xsl:with-param name="code" select="$code"/></xsl:call-template>
      </dec:CategoryCode>
      <dec:ID><xsl:apply-templates select="$doc/e:C503/e:D1004" mode="provenance"/><xsl:value-of select="$doc/e:C503/e:D1004"/></dec:ID>
      <dec:TypeCode><xsl:apply-templates select="$code" mode="provenance"/><xsl:value-of select="$code"/></dec:TypeCode>
      <xsl:for-each select="(e:DTM/e:C507[e:D2005 = '182'] | e:DTM/e:C507[e:D2005 = '3'] | e:DTM/e:C507[e:D2005 = '137'])[1]">
        <dec:IssueDate>
          <xsl:apply-templates select="e:D2380" mode="provenance"/>
          <xsl:call-template name="date">
            <xsl:with-param name="c507" select="."/>
            <xsl:with-param name="where" select="concat($where, '+', $code, ' DTM+', e:D2005)"/>
          </xsl:call-template>
        </dec:IssueDate>
      </xsl:for-each>
      <xsl:for-each select="e:NAD[e:D3035 = 'MS'][1]">
        <dec:Submitter>
          <dec:Name><xsl:apply-templates select="e:C080/e:D3036" mode="provenance"/><xsl:call-template name="join"><xsl:with-param name="parts" select="e:C080/e:D3036"/></xsl:call-template></dec:Name>
        </dec:Submitter>
      </xsl:for-each>
    </dec:AdditionalDocument>
  </xsl:template>

  <!-- A NAD: Name, ID, Address (the Agent inserts its FunctionCode). -->
  <xsl:template match="e:NAD" mode="party">
    <xsl:param name="name"/>
    <xsl:param name="id-required" select="false()"/>
    <xsl:param name="function" select="''"/>
    <xsl:if test="$id-required">
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="e:C082/e:D3039"/>
        <xsl:with-param name="dec" select="concat($name, '/ID')"/>
        <xsl:with-param name="where" select="concat('NAD+', e:D3035, ' C082/3039 (party identifier)')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:element name="dec:{$name}">
      <xsl:apply-templates select="." mode="provenance"/>
      <xsl:if test="e:C080/e:D3036">
        <dec:Name><xsl:apply-templates select="e:C080/e:D3036" mode="provenance"/><xsl:call-template name="join"><xsl:with-param name="parts" select="e:C080/e:D3036"/></xsl:call-template></dec:Name>
      </xsl:if>
      <xsl:for-each select="e:C082/e:D3039">
        <dec:ID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="."/></dec:ID>
      </xsl:for-each>
      <xsl:if test="string($function)">
        <dec:FunctionCode><xsl:value-of select="$function"/></dec:FunctionCode>
      </xsl:if>
      <xsl:if test="e:C059/e:D3042 or e:D3164 or e:D3251 or e:D3207">
        <xsl:call-template name="require">
          <xsl:with-param name="value" select="e:D3207"/>
          <xsl:with-param name="dec" select="concat($name, '/Address/CountryCode')"/>
          <xsl:with-param name="where" select="concat('NAD+', e:D3035, ' 3207 (country of the address)')"/>
        </xsl:call-template>
        <dec:Address>
          <xsl:for-each select="e:D3164"><dec:CityName><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="."/></dec:CityName></xsl:for-each>
          <dec:CountryCode><xsl:apply-templates select="e:D3207" mode="provenance"/><xsl:value-of select="e:D3207"/></dec:CountryCode>
          <xsl:if test="e:C059/e:D3042">
            <dec:Line>
              <xsl:apply-templates select="e:C059/e:D3042" mode="provenance"/>
              <xsl:call-template name="join">
                <xsl:with-param name="parts" select="e:C059/e:D3042"/>
                <xsl:with-param name="sep" select="', '"/>
              </xsl:call-template>
            </dec:Line>
          </xsl:if>
          <xsl:for-each select="e:D3251"><dec:PostcodeID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="."/></dec:PostcodeID></xsl:for-each>
        </dec:Address>
      </xsl:if>
    </xsl:element>
  </xsl:template>

  <xsl:template match="e:NAD" mode="agent">
    <xsl:variable name="function">
      <xsl:call-template name="indicator">
        <xsl:with-param name="in" select="$msg"/>
        <xsl:with-param name="list" select="'ZZZ'"/>
        <xsl:with-param name="process" select="'102'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$function"/>
      <xsl:with-param name="dec" select="'Agent/FunctionCode (2 direct, 3 indirect representation)'"/>
      <xsl:with-param name="where" select="concat('the header ', $ind, ' 2|3:ZZZ:ZZZ:102 (representation status of NAD+', e:D3035, ')')"/>
    </xsl:call-template>
    <xsl:apply-templates select="." mode="party">
      <xsl:with-param name="name" select="'Agent'"/>
      <xsl:with-param name="id-required" select="true()"/>
      <xsl:with-param name="function" select="$function"/>
    </xsl:apply-templates>
  </xsl:template>

  <xsl:template match="e:TDT" mode="border-transport">
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="e:C220/e:D8067"/>
      <xsl:with-param name="dec" select="'BorderTransportMeans/ModeCode'"/>
      <xsl:with-param name="where" select="'TDT+11 C220/8067 (mode of transport)'"/>
    </xsl:call-template>
    <xsl:variable name="means-type"><xsl:apply-templates select="." mode="means-type"/></xsl:variable>
    <dec:BorderTransportMeans>
      <xsl:apply-templates select="." mode="provenance"/>
      <xsl:for-each select="(e:C222/e:D8213 | e:D8028)[1]">
        <dec:ID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="."/></dec:ID>
      </xsl:for-each>
      <xsl:if test="string($means-type)">
        <dec:TypeCode><xsl:value-of select="$means-type"/></dec:TypeCode>
      </xsl:if>
      <xsl:for-each select="e:C222/e:D8453">
        <dec:RegistrationNationalityCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="."/></dec:RegistrationNationalityCode>
      </xsl:for-each>
      <dec:ModeCode><xsl:apply-templates select="e:C220/e:D8067" mode="provenance"/><xsl:value-of select="e:C220/e:D8067"/></dec:ModeCode>
    </dec:BorderTransportMeans>
  </xsl:template>

  <xsl:template match="e:CUX" mode="exchange">
    <xsl:variable name="currency" select="e:C504[e:D6347 = '2']/e:D6345"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$currency"/>
      <xsl:with-param name="dec" select="'CurrencyExchange/CurrencyTypeCode'"/>
      <xsl:with-param name="where" select="'header CUX C504 with 6347 = 2 (reference currency)'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="e:D5402"/>
      <xsl:with-param name="dec" select="'CurrencyExchange/RateNumeric'"/>
      <xsl:with-param name="where" select="'header CUX 5402 (rate of exchange)'"/>
    </xsl:call-template>
    <dec:CurrencyExchange>
      <xsl:apply-templates select="." mode="provenance"/>
      <dec:CurrencyTypeCode><xsl:apply-templates select="$currency" mode="provenance"/><xsl:value-of select="$currency"/></dec:CurrencyTypeCode>
      <dec:RateNumeric><xsl:apply-templates select="e:D5402" mode="provenance"/><xsl:call-template name="num"><xsl:with-param name="v" select="e:D5402"/></xsl:call-template></dec:RateNumeric>
    </dec:CurrencyExchange>
  </xsl:template>

  <!-- Guarantees: the nth header GIS with code list 125 (customs transit
       guarantee) gives the type, the nth RFF+ABL its reference, the nth
       MOA+166 its amount. -->
  <xsl:template name="guarantees">
    <xsl:for-each select="$msg/e:GIS[e:C529/e:D1131 = '125'] | $msg/e:GEI[e:C012/e:D1131 = '125']">
      <xsl:variable name="n" select="position()"/>
      <dec:ObligationGuarantee>
        <dec:SecurityDetailsCode><xsl:apply-templates select="." mode="indicator-value"/></dec:SecurityDetailsCode>
        <xsl:for-each select="$h-rff[e:C506/e:D1153 = 'ABL'][$n]/e:C506/e:D1154">
          <dec:ReferenceID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="."/></dec:ReferenceID>
        </xsl:for-each>
        <xsl:for-each select="$h-moa[e:C516/e:D5025 = '166'][$n][e:C516/e:D5004]">
          <xsl:call-template name="amount">
            <xsl:with-param name="moa" select="."/>
            <xsl:with-param name="name" select="'AmountAmount'"/>
            <xsl:with-param name="where" select="'header MOA+166 (guarantee amount)'"/>
          </xsl:call-template>
        </xsl:for-each>
      </dec:ObligationGuarantee>
    </xsl:for-each>
  </xsl:template>

  <!-- A TAX+4 group of the last section: a payment of the declaration's
       duties and taxes; the nth one takes the nth header RFF+PQ. -->
  <xsl:template match="*" mode="payment">
    <xsl:variable name="n" select="position()"/>
    <xsl:variable name="method">
      <xsl:call-template name="indicator">
        <xsl:with-param name="in" select="."/>
        <xsl:with-param name="list" select="'134'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$method"/>
      <xsl:with-param name="dec" select="'Payment/MethodCode'"/>
      <xsl:with-param name="where" select="concat('the ', $ind, ' n:134 (duty, tax or fee payment method) of the TAX+4 group')"/>
    </xsl:call-template>
    <dec:Payment>
      <dec:MethodCode><xsl:value-of select="$method"/></dec:MethodCode>
      <xsl:for-each select="e:MOA[e:C516/e:D5025 = '176'][1]">
        <xsl:call-template name="amount">
          <xsl:with-param name="moa" select="."/>
          <xsl:with-param name="name" select="'PaymentAmount'"/>
          <xsl:with-param name="where" select="'TAX+4 group MOA+176'"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="$h-rff[e:C506/e:D1153 = 'PQ'][$n]/e:C506/e:D1154">
        <dec:ReferenceID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="."/></dec:ReferenceID>
      </xsl:for-each>
    </dec:Payment>
  </xsl:template>

  <!-- ============================================================ goods shipment -->

  <xsl:template name="goods-shipment">
    <dec:GoodsShipment>
      <xsl:for-each select="$msg/e:CST/e:C246[e:D1131 = '112'][1]">
        <dec:TransactionNatureCode><xsl:apply-templates select="e:D7361" mode="provenance"/><xsl:value-of select="e:D7361"/></dec:TransactionNatureCode>
      </xsl:for-each>
      <xsl:apply-templates select="$h-nad[e:D3035 = 'BY'][1]" mode="party">
        <xsl:with-param name="name" select="'Buyer'"/>
      </xsl:apply-templates>
      <xsl:apply-templates select="$h-nad[e:D3035 = 'CN'][1]" mode="party">
        <xsl:with-param name="name" select="'Consignee'"/>
      </xsl:apply-templates>
      <xsl:call-template name="consignment"/>
      <xsl:apply-templates select="$h-nad[e:D3035 = 'CZ'][1]" mode="party">
        <xsl:with-param name="name" select="'Consignor'"/>
      </xsl:apply-templates>
      <xsl:variable name="charges" select="$h-moa[e:C516/e:D5025 = '144' or e:C516/e:D5025 = '70' or e:C516/e:D5025 = '81']"/>
      <xsl:if test="$charges">
        <dec:CustomsValuation>
          <xsl:for-each select="$charges">
            <dec:ChargeDeduction>
              <dec:ChargesTypeCode>
                <xsl:choose>
                  <xsl:when test="e:C516/e:D5025 = '144'">FRT</xsl:when>
                  <xsl:when test="e:C516/e:D5025 = '70'">INS</xsl:when>
                  <xsl:otherwise>LOA</xsl:otherwise>
                </xsl:choose>
              </dec:ChargesTypeCode>
              <xsl:call-template name="amount">
                <xsl:with-param name="moa" select="."/>
                <xsl:with-param name="name" select="'OtherChargeDeductionAmount'"/>
                <xsl:with-param name="where" select="concat('header MOA+', e:C516/e:D5025)"/>
              </xsl:call-template>
            </dec:ChargeDeduction>
          </xsl:for-each>
        </dec:CustomsValuation>
      </xsl:if>
      <xsl:for-each select="$msg/e:LOC[e:D3227 = '28'][1]">
        <dec:Destination><dec:CountryCode><xsl:apply-templates select="e:C517/e:D3225" mode="provenance"/><xsl:value-of select="e:C517/e:D3225"/></dec:CountryCode></dec:Destination>
      </xsl:for-each>
      <xsl:for-each select="$msg/e:LOC[e:D3227 = '35'][1]">
        <dec:ExportCountry><dec:ID><xsl:apply-templates select="e:C517/e:D3225" mode="provenance"/><xsl:value-of select="e:C517/e:D3225"/></dec:ID></dec:ExportCountry>
      </xsl:for-each>
      <xsl:if test="$type != 'EX'">
        <xsl:apply-templates select="$h-nad[e:D3035 = 'EX'][1]" mode="party">
          <xsl:with-param name="name" select="'Exporter'"/>
        </xsl:apply-templates>
      </xsl:if>
      <xsl:if test="not($items)">
        <xsl:call-template name="missing">
          <xsl:with-param name="dec" select="'GoodsShipment/GovernmentAgencyGoodsItem'"/>
          <xsl:with-param name="where" select="'no goods item (a CST group after UNS+D)'"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:apply-templates select="$items" mode="item"/>
      <xsl:apply-templates select="$h-nad[e:D3035 = 'IM'][1]" mode="party">
        <xsl:with-param name="name" select="'Importer'"/>
      </xsl:apply-templates>
      <xsl:apply-templates select="$h-nad[e:D3035 = 'SE'][1]" mode="party">
        <xsl:with-param name="name" select="'Seller'"/>
      </xsl:apply-templates>
      <xsl:apply-templates select="$h-tod[1]" mode="trade-terms"/>
      <xsl:for-each select="$h-rff[e:C506/e:D1153 = 'UCN'][1]">
        <dec:UCR><dec:ID><xsl:apply-templates select="e:C506/e:D1154" mode="provenance"/><xsl:value-of select="e:C506/e:D1154"/></dec:ID></dec:UCR>
      </xsl:for-each>
    </dec:GoodsShipment>
  </xsl:template>

  <xsl:template name="consignment">
    <xsl:variable name="container"><xsl:call-template name="container-indicator"/></xsl:variable>
    <xsl:variable name="route" select="$msg/e:LOC[e:D3227 = '49']"/>
    <xsl:variable name="equipment" select="$msg/e:EQD"/>
    <xsl:variable name="seals" select="$msg/e:SEL"/>
    <xsl:if test="$seals and count($equipment) != 1">
      <xsl:call-template name="missing">
        <xsl:with-param name="dec" select="'TransportEquipment/Seal: the equipment a seal is on'"/>
        <xsl:with-param name="where" select="concat('header SEL with ', count($equipment), ' EQD (a seal belongs to the one EQD only)')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:if test="string($container) or $route or $equipment">
      <dec:Consignment>
        <xsl:if test="string($container)">
          <dec:ContainerCode><xsl:value-of select="$container"/></dec:ContainerCode>
        </xsl:if>
        <xsl:for-each select="$route">
          <dec:Itinerary>
            <dec:SequenceNumeric><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="position()"/></dec:SequenceNumeric>
            <dec:RoutingCountryCode><xsl:apply-templates select="e:C517/e:D3225" mode="provenance"/><xsl:value-of select="e:C517/e:D3225"/></dec:RoutingCountryCode>
          </dec:Itinerary>
        </xsl:for-each>
        <xsl:for-each select="$equipment">
          <xsl:call-template name="require">
            <xsl:with-param name="value" select="e:C237/e:D8260"/>
            <xsl:with-param name="dec" select="'TransportEquipment/ID'"/>
            <xsl:with-param name="where" select="concat('header EQD+', e:D8053, ' C237/8260 (equipment identification)')"/>
          </xsl:call-template>
          <dec:TransportEquipment>
            <dec:SequenceNumeric><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="position()"/></dec:SequenceNumeric>
            <dec:ID><xsl:apply-templates select="e:C237/e:D8260" mode="provenance"/><xsl:value-of select="e:C237/e:D8260"/></dec:ID>
            <xsl:for-each select="$seals">
              <dec:Seal>
                <dec:SequenceNumeric><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="position()"/></dec:SequenceNumeric>
                <dec:ID><xsl:apply-templates select="e:D9308" mode="provenance"/><xsl:value-of select="e:D9308"/></dec:ID>
              </dec:Seal>
            </xsl:for-each>
          </dec:TransportEquipment>
        </xsl:for-each>
      </dec:Consignment>
    </xsl:if>
  </xsl:template>

  <xsl:template match="e:TOD" mode="trade-terms">
    <xsl:variable name="text">
      <xsl:call-template name="join"><xsl:with-param name="parts" select="e:C100/e:D4052"/></xsl:call-template>
    </xsl:variable>
    <xsl:variable name="first" select="substring-before(concat(normalize-space($text), ' '), ' ')"/>
    <xsl:variable name="incoterm"
                  select="string-length($first) = 3 and contains(' EXW FCA CPT CIP DAP DPU DDP FAS FOB CFR CIF ', concat(' ', $first, ' '))"/>
    <xsl:variable name="code">
      <xsl:choose>
        <xsl:when test="e:C100/e:D4053"><xsl:value-of select="e:C100/e:D4053"/></xsl:when>
        <xsl:when test="$incoterm"><xsl:value-of select="$first"/></xsl:when>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="place">
      <xsl:choose>
        <xsl:when test="e:C100/e:D4053"><xsl:value-of select="$text"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="normalize-space(substring-after(normalize-space($text), ' '))"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$code"/>
      <xsl:with-param name="dec" select="'TradeTerms/ConditionCode'"/>
      <xsl:with-param name="where" select="concat('TOD C100/4053 (Incoterms code; 4052 does not begin with one either: ', $text, ')')"/>
    </xsl:call-template>
    <dec:TradeTerms>
      <dec:ConditionCode><xsl:apply-templates select="(e:C100/e:D4053 | e:C100/e:D4052)[1]" mode="provenance"/><xsl:value-of select="$code"/></dec:ConditionCode>
      <xsl:if test="string($place)">
        <dec:LocationName><xsl:apply-templates select="e:C100/e:D4052" mode="provenance"/><xsl:value-of select="$place"/></dec:LocationName>
      </xsl:if>
    </dec:TradeTerms>
  </xsl:template>

  <!-- ============================================================ goods item -->

  <xsl:template match="*" mode="item">
    <xsl:variable name="cst" select="e:CST"/>
    <xsl:variable name="at" select="concat('goods item ', position(), ': ')"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$cst/e:D1496"/>
      <xsl:with-param name="dec" select="'GovernmentAgencyGoodsItem/SequenceNumeric'"/>
      <xsl:with-param name="where" select="concat($at, 'CST 1496 (goods item number)')"/>
    </xsl:call-template>
    <xsl:variable name="at-n" select="concat('goods item ', $cst/e:D1496, ': ')"/>
    <xsl:variable name="moas" select="*[*[1][self::e:MOA]]/e:MOA"/>
    <xsl:variable name="indicators" select="*[*[1][self::e:GIS or self::e:GEI]]"/>
    <dec:GovernmentAgencyGoodsItem>
      <xsl:apply-templates select="$cst" mode="provenance"/>
      <dec:SequenceNumeric><xsl:apply-templates select="$cst/e:D1496" mode="provenance"/><xsl:value-of select="$cst/e:D1496"/></dec:SequenceNumeric>
      <xsl:for-each select="($moas[e:C516/e:D5025 = '123'] | $moas[e:C516/e:D5025 = '40'])[1]">
        <xsl:call-template name="amount">
          <xsl:with-param name="moa" select="."/>
          <xsl:with-param name="name" select="'StatisticalValueAmount'"/>
          <xsl:with-param name="where" select="concat($at-n, 'MOA+', e:C516/e:D5025)"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:apply-templates select="*[*[1][self::e:DOC]]" mode="document">
        <xsl:with-param name="where" select="concat($at-n, 'DOC')"/>
      </xsl:apply-templates>
      <xsl:apply-templates select="e:FTX[e:D4451 != 'AAA']" mode="information"/>
      <dec:Commodity>
        <xsl:variable name="description" select="e:FTX[e:D4451 = 'AAA']"/>
        <xsl:call-template name="require">
          <xsl:with-param name="value" select="$description/e:C108/e:D4440"/>
          <xsl:with-param name="dec" select="'GovernmentAgencyGoodsItem/Commodity/Description'"/>
          <xsl:with-param name="where" select="concat($at-n, 'FTX+AAA (goods description)')"/>
        </xsl:call-template>
        <dec:Description>
          <xsl:for-each select="$description[1]/e:D3453">
            <xsl:attribute name="languageID"><xsl:value-of select="."/></xsl:attribute>
          </xsl:for-each>
          <xsl:apply-templates select="$description/e:C108/e:D4440" mode="provenance"/>
          <xsl:call-template name="join"><xsl:with-param name="parts" select="$description/e:C108/e:D4440"/></xsl:call-template>
        </dec:Description>
        <xsl:variable name="hs" select="$cst/e:C246[not(e:D1131) or e:D1131 = '169'][1]/e:D7361"/>
        <xsl:call-template name="require">
          <xsl:with-param name="value" select="$hs"/>
          <xsl:with-param name="dec" select="'GovernmentAgencyGoodsItem/Commodity/Classification/ID'"/>
          <xsl:with-param name="where" select="concat($at-n, 'CST C246 with 1131 = 169 or without 1131 (commodity code)')"/>
        </xsl:call-template>
        <dec:Classification>
          <dec:ID><xsl:apply-templates select="$hs" mode="provenance"/><xsl:value-of select="$hs"/></dec:ID>
          <dec:IdentificationTypeCode>TSP</dec:IdentificationTypeCode>
        </dec:Classification>
        <xsl:apply-templates select="*[*[1][self::e:TAX]][e:TAX/e:D5283 = '1']" mode="duty">
          <xsl:with-param name="at" select="$at-n"/>
        </xsl:apply-templates>
        <xsl:variable name="gross" select="e:MEA[e:D6311 = 'WT'][e:C502/e:D6313 = 'G' or e:C502/e:D6313 = 'AAD'][1]"/>
        <xsl:variable name="net" select="(e:MEA[e:D6311 = 'WT'][e:C502/e:D6313 = 'AAF']
                                        | e:MEA[e:D6311 = 'WT'][e:C502/e:D6313 = 'AAL']
                                        | e:MEA[e:D6311 = 'WT'][e:C502/e:D6313 = 'N'])[1]"/>
        <xsl:variable name="tariff" select="e:MEA[e:D6311 = 'AAR'][1]"/>
        <xsl:if test="$gross or $net or $tariff">
          <dec:GoodsMeasure>
            <xsl:if test="$gross">
              <xsl:call-template name="measure">
                <xsl:with-param name="mea" select="$gross"/>
                <xsl:with-param name="name" select="'GrossMassMeasure'"/>
                <xsl:with-param name="where" select="concat($at-n, 'MEA+WT+', $gross/e:C502/e:D6313)"/>
              </xsl:call-template>
            </xsl:if>
            <xsl:if test="$net">
              <xsl:call-template name="measure">
                <xsl:with-param name="mea" select="$net"/>
                <xsl:with-param name="name" select="'NetNetWeightMeasure'"/>
                <xsl:with-param name="where" select="concat($at-n, 'MEA+WT+', $net/e:C502/e:D6313)"/>
              </xsl:call-template>
            </xsl:if>
            <xsl:if test="$tariff">
              <xsl:call-template name="measure">
                <xsl:with-param name="mea" select="$tariff"/>
                <xsl:with-param name="name" select="'TariffQuantity'"/>
                <xsl:with-param name="where" select="concat($at-n, 'MEA+AAR')"/>
                <xsl:with-param name="unit-required" select="false()"/>
              </xsl:call-template>
            </xsl:if>
          </dec:GoodsMeasure>
        </xsl:if>
        <xsl:apply-templates select="$invoice-lines[number(e:LIN/e:D1082) = number($cst/e:D1496)][1]" mode="invoice-line">
          <xsl:with-param name="at" select="$at-n"/>
        </xsl:apply-templates>
      </dec:Commodity>
      <xsl:variable name="method">
        <xsl:call-template name="indicator">
          <xsl:with-param name="in" select="$indicators"/>
          <xsl:with-param name="list" select="'127'"/>
        </xsl:call-template>
      </xsl:variable>
      <xsl:if test="string($method)">
        <dec:CustomsValuation><dec:MethodCode><xsl:value-of select="$method"/></dec:MethodCode></dec:CustomsValuation>
      </xsl:if>
      <xsl:variable name="procedures" select="$cst/e:C246[e:D1131 = '117']/e:D7361"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="$procedures"/>
        <xsl:with-param name="dec" select="'GovernmentAgencyGoodsItem/GovernmentProcedure/CurrentCode (the customs procedure)'"/>
        <xsl:with-param name="where" select="concat($at-n, 'CST C246 with 1131 = 117 (customs procedure)')"/>
      </xsl:call-template>
      <xsl:for-each select="$procedures">
        <dec:GovernmentProcedure>
          <dec:CurrentCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="substring(., 1, 2)"/></dec:CurrentCode>
          <xsl:if test="string-length(.) &gt; 2">
            <dec:PreviousCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="substring(., 3)"/></dec:PreviousCode>
          </xsl:if>
        </dec:GovernmentProcedure>
      </xsl:for-each>
      <xsl:for-each select="e:LOC[e:D3227 = '27']">
        <dec:Origin><dec:CountryCode><xsl:apply-templates select="e:C517/e:D3225" mode="provenance"/><xsl:value-of select="e:C517/e:D3225"/></dec:CountryCode></dec:Origin>
      </xsl:for-each>
      <xsl:for-each select="*[*[1][self::e:PAC]]">
        <xsl:call-template name="require">
          <xsl:with-param name="value" select="e:PAC/e:C202/e:D7065"/>
          <xsl:with-param name="dec" select="'Packaging/TypeCode'"/>
          <xsl:with-param name="where" select="concat($at-n, 'PAC C202/7065 (type of packages)')"/>
        </xsl:call-template>
        <dec:Packaging>
          <dec:SequenceNumeric><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="position()"/></dec:SequenceNumeric>
          <xsl:variable name="marks" select="*[*[1][self::e:PCI]]/e:PCI/e:C210/e:D7102"/>
          <xsl:if test="$marks">
            <dec:MarksNumbersID><xsl:apply-templates select="$marks" mode="provenance"/><xsl:call-template name="join"><xsl:with-param name="parts" select="$marks"/></xsl:call-template></dec:MarksNumbersID>
          </xsl:if>
          <xsl:for-each select="e:PAC/e:D7224">
            <dec:QuantityQuantity><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="."/></dec:QuantityQuantity>
          </xsl:for-each>
          <dec:TypeCode><xsl:apply-templates select="e:PAC/e:C202/e:D7065" mode="provenance"/><xsl:value-of select="e:PAC/e:C202/e:D7065"/></dec:TypeCode>
        </dec:Packaging>
      </xsl:for-each>
    </dec:GovernmentAgencyGoodsItem>
  </xsl:template>

  <!-- The invoice line (LIN group) of a goods item: MOA+203 (or 38), PRI+INV, QTY+47. -->
  <xsl:template match="*" mode="invoice-line">
    <xsl:param name="at"/>
    <xsl:variable name="where" select="concat($at, 'invoice line LIN ', e:LIN/e:D1082)"/>
    <xsl:variable name="amount" select="(e:MOA[e:C516/e:D5025 = '203'] | e:MOA[e:C516/e:D5025 = '38'][not(../e:MOA[e:C516/e:D5025 = '203'])])[1]"/>
    <xsl:variable name="price" select="e:PRI[e:C509/e:D5125 = 'INV'][1]/e:C509/e:D5118"/>
    <xsl:variable name="quantity" select="e:QTY[e:C186/e:D6063 = '47'][1]/e:C186"/>
    <xsl:if test="$amount or $price or $quantity">
      <dec:InvoiceLine>
        <xsl:apply-templates select="e:LIN" mode="provenance"/>
        <xsl:if test="$amount">
          <xsl:call-template name="amount">
            <xsl:with-param name="moa" select="$amount"/>
            <xsl:with-param name="name" select="'ItemChargeAmount'"/>
            <xsl:with-param name="where" select="concat($where, ' MOA+', $amount/e:C516/e:D5025)"/>
          </xsl:call-template>
        </xsl:if>
        <xsl:if test="$price">
          <xsl:variable name="currency" select="($amount/e:C516/e:D6345 | $h-moa[e:C516/e:D5025 = '39'][1]/e:C516/e:D6345[not($amount/e:C516/e:D6345)])[1]"/>
          <xsl:call-template name="require">
            <xsl:with-param name="value" select="$currency"/>
            <xsl:with-param name="dec" select="'InvoiceLine/UnitPriceAmount/@currencyID'"/>
            <xsl:with-param name="where" select="concat($where, ' PRI+INV has no currency, and the line amount (MOA+203 or 38) C516/6345 and header MOA+39 C516/6345 (invoice currency)')"/>
          </xsl:call-template>
          <dec:UnitPriceAmount currencyID="{$currency}">
            <xsl:apply-templates select="$price" mode="provenance"/>
            <xsl:call-template name="num"><xsl:with-param name="v" select="$price"/></xsl:call-template>
          </dec:UnitPriceAmount>
        </xsl:if>
        <xsl:for-each select="$quantity">
          <dec:QuantityQuantity>
            <xsl:if test="string(e:D6411)">
              <xsl:attribute name="unitCode"><xsl:value-of select="e:D6411"/></xsl:attribute>
            </xsl:if>
            <xsl:apply-templates select="e:D6060" mode="provenance"/>
            <xsl:call-template name="num"><xsl:with-param name="v" select="e:D6060"/></xsl:call-template>
          </dec:QuantityQuantity>
        </xsl:for-each>
      </dec:InvoiceLine>
    </xsl:if>
  </xsl:template>

  <!-- A TAX+1 group of a goods item: one duty, tax or fee. -->
  <xsl:template match="*" mode="duty">
    <xsl:param name="at"/>
    <xsl:variable name="tax" select="e:TAX"/>
    <xsl:variable name="where" select="concat($at, 'TAX+1+', $tax/e:C241/e:D5153)"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$tax/e:C241/e:D5153"/>
      <xsl:with-param name="dec" select="'DutyTaxFee/TypeCode'"/>
      <xsl:with-param name="where" select="concat($at, 'TAX+1 C241/5153 (duty, tax or fee type)')"/>
    </xsl:call-template>
    <xsl:variable name="method">
      <xsl:call-template name="indicator">
        <xsl:with-param name="in" select="."/>
        <xsl:with-param name="list" select="'134'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="paid" select="e:MOA[e:C516/e:D5025 = '161'][1]"/>
    <xsl:if test="string($method) and not($paid)">
      <xsl:call-template name="missing">
        <xsl:with-param name="dec" select="'DutyTaxFee/Payment/PaymentAmount'"/>
        <xsl:with-param name="where" select="concat($where, ' has a payment method (', $ind, ' n:134) but no MOA+161')"/>
      </xsl:call-template>
    </xsl:if>
    <dec:DutyTaxFee>
      <xsl:apply-templates select="$tax" mode="provenance"/>
      <dec:TypeCode><xsl:apply-templates select="$tax/e:C241/e:D5153" mode="provenance"/><xsl:value-of select="$tax/e:C241/e:D5153"/></dec:TypeCode>
      <xsl:for-each select="$tax/e:D5305">
        <dec:DutyRegimeCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="."/></dec:DutyRegimeCode>
      </xsl:for-each>
      <xsl:for-each select="$tax/e:D5286">
        <dec:SpecificTaxBaseQuantity>
          <xsl:for-each select="../e:C243/e:D5273">
            <xsl:attribute name="unitCode"><xsl:value-of select="."/></xsl:attribute>
          </xsl:for-each>
          <xsl:apply-templates select="." mode="provenance"/>
          <xsl:call-template name="num"><xsl:with-param name="v" select="."/></xsl:call-template>
        </dec:SpecificTaxBaseQuantity>
      </xsl:for-each>
      <xsl:for-each select="e:MOA[e:C516/e:D5025 = '125'][1]">
        <xsl:call-template name="amount">
          <xsl:with-param name="moa" select="."/>
          <xsl:with-param name="name" select="'AdValoremTaxBaseAmount'"/>
          <xsl:with-param name="where" select="concat($where, ' MOA+125')"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="$tax/e:C243/e:D5278">
        <dec:TaxRateNumeric><xsl:apply-templates select="." mode="provenance"/><xsl:call-template name="num"><xsl:with-param name="v" select="."/></xsl:call-template></dec:TaxRateNumeric>
      </xsl:for-each>
      <xsl:if test="$paid">
        <dec:Payment>
          <xsl:call-template name="amount">
            <xsl:with-param name="moa" select="$paid"/>
            <xsl:with-param name="name" select="'PaymentAmount'"/>
            <xsl:with-param name="where" select="concat($where, ' MOA+161')"/>
          </xsl:call-template>
          <xsl:if test="string($method)">
            <dec:MethodCode><xsl:value-of select="$method"/></dec:MethodCode>
          </xsl:if>
        </dec:Payment>
      </xsl:if>
    </dec:DutyTaxFee>
  </xsl:template>

</xsl:stylesheet>
