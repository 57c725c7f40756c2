<?xml version="1.0" encoding="UTF-8"?>
<!--
  permit-lpco.xsl - the permit decision of a licensing agency
  (urn:khaalga:agency-permit:1, examples/agency-permit/agency-permit.xsd) to
  the LPCODecision of the Mongolian WCO DM 3.7 profile (xsd/mn/lpco.xsd).

  Input: one permit. `khaalga translate` recognizes it by the namespace of its
  root and applies the sheet registered from="permit". The parameter
  `message`, which khaalga passes to every sheet, is not used.
  Output: one md:MetaData envelope holding one lpco:LPCODecision.

  Mapping (permit -> LPCODecision):
    decision issued|amended|suspended|revoked   FunctionCode 9|4|23|50
    number                    ID
    type                      TypeCode (PHY VET SAN LIC SPE COO)
    title                     Name
    decidedAt                 IssueDateTime (its UTC offset is required)
    validity/@from, @until    EffectiveDateTime, ExpirationDateTime
    remark (@code, text)      AdditionalInformation (StatementCode,
                              StatementDescription)
    holder (@register, text)  AuthorisationHolder (ID, Name)
    declaration @lrn, @mrn    Declaration (FunctionalReferenceID, ID)
    goods/line                GovernmentAgencyGoodsItem: @no SequenceNumeric,
                              description Commodity/Description, hs
                              Classification/ID, quantity and @unit
                              GoodsMeasure/TariffQuantity, origin
                              Origin/CountryCode
    agency (@code, text)      Issuer (ID, Name)
  Texts carry languageID from the nearest lang attribute (on the element or
  an ancestor). Units: a UN/ECE Rec 20 code is copied; the Mongolian labels of
  the paper forms become their code (ш H87, хос NPR, кг KGM, тн TNE, л LTR,
  м3 MTQ), as common.xsd (mn:UnitCodeType) decides: labels are for people,
  the code travels. Any other unit stops the sheet.

  Nothing is invented: when the permit lacks something LPCODecision
  requires, the sheet stops (xsl:message terminate) naming the permit
  element that is missing and the LPCO element that needs it. The permit's
  formats (register number, 8-digit code, dates) are checked by its schema
  and, in the result, by lpco.xsd (`khaalga validate`).
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:p="urn:khaalga:agency-permit:1"
                xmlns:md="urn:customs.gov.mn:wco:3.7:metadata"
                xmlns:lpco="urn:customs.gov.mn:wco:3.7:LPCO"
                exclude-result-prefixes="p md lpco">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="message" select="'1'"/>

  <!-- marks each output element with its source when khaalga records provenance -->
  <xsl:include href="provenance.xsl"/>

  <xsl:variable name="permit" select="/p:permit"/>
  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>

  <!-- ============================================================ helpers -->

  <xsl:template name="stop">
    <xsl:param name="text"/>
    <xsl:message terminate="yes">
      <xsl:text>permit</xsl:text>
      <xsl:if test="normalize-space($permit/p:number) != ''">
        <xsl:value-of select="concat(' ', normalize-space($permit/p:number))"/>
      </xsl:if>
      <xsl:value-of select="concat(': ', $text)"/>
    </xsl:message>
  </xsl:template>

  <!-- Stops unless value is non-empty: what (in the permit) is missing, lpco needs it. -->
  <xsl:template name="require">
    <xsl:param name="value"/>
    <xsl:param name="what"/>
    <xsl:param name="lpco"/>
    <xsl:if test="normalize-space($value) = ''">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat($what, ' is missing; LPCO requires ', $lpco)"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- languageID from the nearest lang of node (ISO 639-1, lower case). -->
  <xsl:template name="language">
    <xsl:param name="node"/>
    <xsl:variable name="l" select="translate(normalize-space($node/ancestor-or-self::*[@lang][1]/@lang), $upper, $lower)"/>
    <xsl:if test="string-length($l) = 2 and translate($l, $lower, '') = ''">
      <xsl:attribute name="languageID"><xsl:value-of select="$l"/></xsl:attribute>
    </xsl:if>
  </xsl:template>

  <!-- ============================================================ the document -->

  <xsl:template match="/">
    <xsl:if test="not($permit)">
      <xsl:message terminate="yes">not an agency permit: urn:khaalga:agency-permit:1 permit expected</xsl:message>
    </xsl:if>
    <md:MetaData>
      <md:WCODataModelVersionCode>3.7</md:WCODataModelVersionCode>
      <md:WCOTypeName>LPCO</md:WCOTypeName>
      <md:ResponsibleCountryCode>MN</md:ResponsibleCountryCode>
      <md:ResponsibleAgencyName>General Customs Administration of Mongolia</md:ResponsibleAgencyName>
      <md:AgencyAssignedCustomizationCode>MN</md:AgencyAssignedCustomizationCode>
      <md:AgencyAssignedCustomizationVersionCode>1.0</md:AgencyAssignedCustomizationVersionCode>
      <xsl:apply-templates select="$permit"/>
    </md:MetaData>
  </xsl:template>

  <xsl:template match="p:permit">
    <xsl:variable name="decision" select="normalize-space(p:decision)"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$decision"/>
      <xsl:with-param name="what" select="'decision'"/>
      <xsl:with-param name="lpco" select="'LPCODecision/FunctionCode'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="p:number"/>
      <xsl:with-param name="what" select="'number (permit number)'"/>
      <xsl:with-param name="lpco" select="'LPCODecision/ID'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="p:type"/>
      <xsl:with-param name="what" select="'type (kind of permit)'"/>
      <xsl:with-param name="lpco" select="'LPCODecision/TypeCode'"/>
    </xsl:call-template>
    <xsl:variable name="decided" select="normalize-space(p:decidedAt)"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$decided"/>
      <xsl:with-param name="what" select="'decidedAt (date and time of the decision)'"/>
      <xsl:with-param name="lpco" select="'LPCODecision/IssueDateTime'"/>
    </xsl:call-template>
    <xsl:variable name="n" select="string-length($decided)"/>
    <xsl:if test="not(substring($decided, $n) = 'Z'
                      or (contains('+-', substring($decided, $n - 5, 1)) and substring($decided, $n - 2, 1) = ':'))">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat('decidedAt ', $decided, ' has no UTC offset; LPCO requires it in LPCODecision/IssueDateTime')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="p:validity/@from"/>
      <xsl:with-param name="what" select="'validity/@from (first day of validity)'"/>
      <xsl:with-param name="lpco" select="'LPCODecision/EffectiveDateTime'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="p:validity/@until"/>
      <xsl:with-param name="what" select="'validity/@until (last day of validity)'"/>
      <xsl:with-param name="lpco" select="'LPCODecision/ExpirationDateTime'"/>
    </xsl:call-template>
    <lpco:LPCODecision>
      <lpco:FunctionCode>
        <xsl:apply-templates select="p:decision" mode="provenance"/>
        <xsl:choose>
          <xsl:when test="$decision = 'issued'">9</xsl:when>
          <xsl:when test="$decision = 'amended'">4</xsl:when>
          <xsl:when test="$decision = 'suspended'">23</xsl:when>
          <xsl:when test="$decision = 'revoked'">50</xsl:when>
          <xsl:otherwise>
            <xsl:call-template name="stop">
              <xsl:with-param name="text" select="concat('decision ', $decision,
                                                  ' is not issued, amended, suspended or revoked; LPCO requires LPCODecision/FunctionCode')"/>
            </xsl:call-template>
          </xsl:otherwise>
        </xsl:choose>
      </lpco:FunctionCode>
      <lpco:ID><xsl:apply-templates select="p:number" mode="provenance"/><xsl:value-of select="normalize-space(p:number)"/></lpco:ID>
      <lpco:TypeCode><xsl:apply-templates select="p:type" mode="provenance"/><xsl:value-of select="normalize-space(p:type)"/></lpco:TypeCode>
      <xsl:for-each select="p:title[normalize-space() != '']">
        <lpco:Name>
          <xsl:call-template name="language"><xsl:with-param name="node" select="."/></xsl:call-template>
          <xsl:apply-templates select="." mode="provenance"/>
          <xsl:value-of select="normalize-space()"/>
        </lpco:Name>
      </xsl:for-each>
      <lpco:IssueDateTime><xsl:apply-templates select="p:decidedAt" mode="provenance"/><xsl:value-of select="$decided"/></lpco:IssueDateTime>
      <lpco:EffectiveDateTime><xsl:apply-templates select="p:validity/@from" mode="provenance"/><xsl:value-of select="normalize-space(p:validity/@from)"/></lpco:EffectiveDateTime>
      <lpco:ExpirationDateTime><xsl:apply-templates select="p:validity/@until" mode="provenance"/><xsl:value-of select="normalize-space(p:validity/@until)"/></lpco:ExpirationDateTime>
      <xsl:for-each select="p:remark[normalize-space() != '']">
        <lpco:AdditionalInformation>
          <xsl:for-each select="@code[normalize-space() != '']">
            <lpco:StatementCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></lpco:StatementCode>
          </xsl:for-each>
          <lpco:StatementDescription>
            <xsl:call-template name="language"><xsl:with-param name="node" select="."/></xsl:call-template>
            <xsl:apply-templates select="." mode="provenance"/>
            <xsl:value-of select="normalize-space()"/>
          </lpco:StatementDescription>
        </lpco:AdditionalInformation>
      </xsl:for-each>
      <xsl:call-template name="holder"/>
      <xsl:for-each select="p:declaration[normalize-space(@lrn) != '' or normalize-space(@mrn) != '']">
        <lpco:Declaration>
          <xsl:for-each select="@lrn[normalize-space() != '']">
            <lpco:FunctionalReferenceID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></lpco:FunctionalReferenceID>
          </xsl:for-each>
          <xsl:for-each select="@mrn[normalize-space() != '']">
            <lpco:ID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></lpco:ID>
          </xsl:for-each>
        </lpco:Declaration>
      </xsl:for-each>
      <xsl:if test="not(p:goods/p:line)">
        <xsl:call-template name="stop">
          <xsl:with-param name="text" select="'goods/line (the goods of the permit) is missing; LPCO requires LPCODecision/GovernmentAgencyGoodsItem'"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:apply-templates select="p:goods/p:line"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="p:agency/@code"/>
        <xsl:with-param name="what" select="'agency/@code (issuing agency)'"/>
        <xsl:with-param name="lpco" select="'LPCODecision/Issuer/ID'"/>
      </xsl:call-template>
      <lpco:Issuer>
        <lpco:ID><xsl:apply-templates select="p:agency/@code" mode="provenance"/><xsl:value-of select="normalize-space(p:agency/@code)"/></lpco:ID>
        <xsl:for-each select="p:agency[normalize-space() != '']">
          <lpco:Name>
            <xsl:call-template name="language"><xsl:with-param name="node" select="."/></xsl:call-template>
            <xsl:apply-templates select="." mode="provenance"/>
            <xsl:value-of select="normalize-space()"/>
          </lpco:Name>
        </xsl:for-each>
      </lpco:Issuer>
    </lpco:LPCODecision>
  </xsl:template>

  <xsl:template name="holder">
    <xsl:variable name="h" select="p:holder"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$h/@register"/>
      <xsl:with-param name="what" select="'holder/@register (register number of the holder)'"/>
      <xsl:with-param name="lpco" select="'LPCODecision/AuthorisationHolder/ID'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$h"/>
      <xsl:with-param name="what" select="'holder (name of the holder)'"/>
      <xsl:with-param name="lpco" select="'LPCODecision/AuthorisationHolder/Name'"/>
    </xsl:call-template>
    <lpco:AuthorisationHolder>
      <lpco:ID><xsl:apply-templates select="$h/@register" mode="provenance"/><xsl:value-of select="normalize-space($h/@register)"/></lpco:ID>
      <lpco:Name>
        <xsl:call-template name="language"><xsl:with-param name="node" select="$h"/></xsl:call-template>
        <xsl:apply-templates select="$h" mode="provenance"/>
        <xsl:value-of select="normalize-space($h)"/>
      </lpco:Name>
    </lpco:AuthorisationHolder>
  </xsl:template>

  <xsl:template match="p:line">
    <xsl:variable name="no">
      <xsl:choose>
        <xsl:when test="normalize-space(@no) != ''"><xsl:value-of select="normalize-space(@no)"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="position()"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="at" select="concat('goods line ', $no, ': ')"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="p:description"/>
      <xsl:with-param name="what" select="concat($at, 'description')"/>
      <xsl:with-param name="lpco" select="'GovernmentAgencyGoodsItem/Commodity/Description'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="p:hs"/>
      <xsl:with-param name="what" select="concat($at, 'hs (8-digit tariff code)')"/>
      <xsl:with-param name="lpco" select="'GovernmentAgencyGoodsItem/Commodity/Classification/ID'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="p:quantity"/>
      <xsl:with-param name="what" select="concat($at, 'quantity')"/>
      <xsl:with-param name="lpco" select="'GovernmentAgencyGoodsItem/Commodity/GoodsMeasure/TariffQuantity'"/>
    </xsl:call-template>
    <xsl:variable name="unit" select="normalize-space(p:quantity/@unit)"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$unit"/>
      <xsl:with-param name="what" select="concat($at, 'quantity/@unit')"/>
      <xsl:with-param name="lpco" select="'GovernmentAgencyGoodsItem/Commodity/GoodsMeasure/TariffQuantity/@unitCode'"/>
    </xsl:call-template>
    <lpco:GovernmentAgencyGoodsItem>
      <xsl:apply-templates select="." mode="provenance"/>
      <lpco:SequenceNumeric><xsl:apply-templates select="@no" mode="provenance"/><xsl:value-of select="$no"/></lpco:SequenceNumeric>
      <lpco:Commodity>
        <lpco:Description>
          <xsl:call-template name="language"><xsl:with-param name="node" select="p:description"/></xsl:call-template>
          <xsl:apply-templates select="p:description" mode="provenance"/>
          <xsl:value-of select="normalize-space(p:description)"/>
        </lpco:Description>
        <lpco:Classification>
          <lpco:ID><xsl:apply-templates select="p:hs" mode="provenance"/><xsl:value-of select="normalize-space(p:hs)"/></lpco:ID>
        </lpco:Classification>
        <lpco:GoodsMeasure>
          <lpco:TariffQuantity>
            <xsl:attribute name="unitCode">
              <xsl:choose>
                <xsl:when test="$unit = 'ш'">H87</xsl:when>
                <xsl:when test="$unit = 'хос'">NPR</xsl:when>
                <xsl:when test="$unit = 'кг'">KGM</xsl:when>
                <xsl:when test="$unit = 'тн'">TNE</xsl:when>
                <xsl:when test="$unit = 'л'">LTR</xsl:when>
                <xsl:when test="$unit = 'м3'">MTQ</xsl:when>
                <xsl:when test="translate($unit, concat($upper, '0123456789'), '') = '' and string-length($unit) &gt;= 2 and string-length($unit) &lt;= 3">
                  <xsl:value-of select="$unit"/>
                </xsl:when>
                <xsl:otherwise>
                  <xsl:call-template name="stop">
                    <xsl:with-param name="text" select="concat($at, 'quantity/@unit ', $unit,
                                                        ' is neither a UN/ECE Rec 20 code nor ш, хос, кг, тн, л, м3; LPCO requires a Rec 20 unitCode')"/>
                  </xsl:call-template>
                </xsl:otherwise>
              </xsl:choose>
            </xsl:attribute>
            <xsl:apply-templates select="p:quantity" mode="provenance"/>
            <xsl:value-of select="normalize-space(p:quantity)"/>
          </lpco:TariffQuantity>
        </lpco:GoodsMeasure>
      </lpco:Commodity>
      <xsl:for-each select="p:origin[normalize-space() != '']">
        <lpco:Origin><lpco:CountryCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></lpco:CountryCode></lpco:Origin>
      </xsl:for-each>
    </lpco:GovernmentAgencyGoodsItem>
  </xsl:template>

</xsl:stylesheet>
