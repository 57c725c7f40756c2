<?xml version="1.0" encoding="UTF-8"?>
<!--
  camt054-pay.xsl - ISO 20022 camt.054.001.08 (BankToCustomerDebitCredit-
  NotificationV08: a bank notifies the owner of an account, here the customs
  revenue account, of an entry) to the payment confirmation PAY of the
  Mongolian WCO DM 3.7 profile (xsd/mn/pay.xsd).

  Input: a camt.054.001.08 document (namespace
  urn:iso:std:iso:20022:tech:xsd:camt.054.001.08; other versions are refused
  by name). Output: one md:MetaData envelope holding one pay:Payment. The
  `message` parameter of the gateway selects an EDIFACT message; a camt.054
  is translated whole, so any value but 1 is refused.

  ONE PAYMENT PER DOCUMENT. PAY confirms one payment: the document must carry
  exactly one entry (Ntfctn/Ntry, over all notifications) with exactly one
  transaction (Ntry/NtryDtls/TxDtls). Taking the first of several would
  silently lose the others. The entry must be booked (Sts/Cd BOOK).

  Mapping (camt.054 -> pay:Payment; "Tx" = the TxDtls, "Ntry" its entry,
  "Ntfctn" the notification holding it; "x | y" = x, else y):
    Ntry/CdtDbtInd, RvslInd   FunctionCode: CRDT -> 9 (a payment credited to
                              the account); DBIT with RvslInd true -> 1 (the
                              bank reverses a credit). Anything else refused.
    Tx/Refs/AcctSvcrRef | Ntry/AcctSvcrRef   ID (the bank's reference)
    BkTxCd (Tx's, else Ntry's)  MethodCode: Prtry/Cd when Prtry/Issr is
                              UNCL4461 (a UN/EDIFACT 4461 code, as sent, e.g.
                              68 QR payment); else Domn/Cd PMNT with Fmly/Cd
                              RCDT (received credit transfers) -> 30, CCRD or
                              MCRD (customer or merchant card transactions) -> 48
    Tx/Amt | Ntry/Amt, @Ccy   PaymentAmount, @currencyID
    Tx/RltdDts/TxDtTm | Tx/RltdDts/AccptncDtTm | Ntry/BookgDt/DtTm |
    Ntry/ValDt/DtTm           PaymentDateTime; a date-time without offset is
                              the bank's local time, Ulaanbaatar: +08:00 added
    Tx/RmtInf/Strd/CdtrRefInf/Ref | /PQ/ in Ustrd   ReferenceID
    Ntfctn/Acct/Id/IBAN | Othr/Id   Bank/ID (the customs account credited)
    Ntfctn/Acct/Svcr/FinInstnId | Tx/RltdAgts/CdtrAgt/FinInstnId:
      BICFI | ClrSysMmbId/MmbId   Bank/ReferenceID (BIC or 6-digit bank code)
    Tx/RmtInf/Strd/RfrdDocInf[Tp/CdOrPrtry/Prtry = ABE]/Nb | /ABE/ in Ustrd
                              Declaration/FunctionalReferenceID (LRN)
    Tx/RmtInf/Strd/RfrdDocInf[Tp/CdOrPrtry/Prtry = ABT]/Nb | /ABT/ in Ustrd
                              Declaration/ID
    Tx/RltdPties/Dbtr/Pty/Id: OrgId/Othr[SchmeNm/Cd = TXID]/Id |
      PrvtId/Othr[SchmeNm/Cd = NIDN or TXID]/Id | an Othr/Id without SchmeNm
                              Payer/ID (legal entity or citizen register number)
    Tx/RltdPties/Dbtr/Pty/Nm  Payer/Name

  Remittance codes. ISO 20022 has no code for a customs declaration, so the
  referred documents are typed with the UN/EDIFACT 1153 reference qualifiers
  that the EDIFACT sheets read (RFF+ABT, ABE, PQ), as proprietary codes:
  RfrdDocInf/Tp/CdOrPrtry/Prtry ABT (customs declaration number) or ABE
  (declarant's reference). In unstructured remittance information (Ustrd,
  joined with spaces) the same qualifiers are codewords, SWIFT style:
  "/PQ/100124T00004817 /ABT/1001-2024-031875"; a value ends at the next space
  or slash. Structured information wins over unstructured.

  Nothing is invented: what PAY requires and the document lacks is listed
  (every item, in PAY order) in one xsl:message terminate="yes", naming the
  camt.054 element. Values are copied as sent; their form is checked by
  `khaalga validate`. Not read: GrpHdr (but MsgId, named in errors), balances
  and summaries, charges, the debtor's account and agent, UltmtDbtr, purpose,
  AddtlTxInf/AddtlNtryInf (free text). camt.054 carries no language for
  names: Payer/Name has no languageID.

  See mappings/wco/README-pay.md for the tables and the choices.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
                xmlns:md="urn:customs.gov.mn:wco:3.7:metadata"
                xmlns:pay="urn:customs.gov.mn:wco:3.7:PAY"
                exclude-result-prefixes="c md pay">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="message" select="'1'"/>

  <!-- marks each output element with its source when khaalga records provenance -->
  <xsl:include href="provenance.xsl"/>

  <xsl:variable name="doc" select="/c:Document/c:BkToCstmrDbtCdtNtfctn"/>
  <xsl:variable name="msgid" select="normalize-space($doc/c:GrpHdr/c:MsgId)"/>
  <xsl:variable name="entries" select="$doc/c:Ntfctn/c:Ntry"/>
  <xsl:variable name="ntry" select="$entries[1]"/>
  <xsl:variable name="ntfctn" select="$ntry/.."/>
  <xsl:variable name="txs" select="$ntry/c:NtryDtls/c:TxDtls"/>
  <xsl:variable name="tx" select="$txs[1]"/>

  <!-- ============================================================ helpers -->

  <!-- The value of codeword /code/ in text: up to the next space or slash. -->
  <xsl:template name="codeword">
    <xsl:param name="text"/>
    <xsl:param name="code"/>
    <xsl:variable name="tag" select="concat('/', $code, '/')"/>
    <xsl:if test="contains($text, $tag)">
      <xsl:variable name="rest" select="substring-before(concat(substring-after($text, $tag), ' '), ' ')"/>
      <xsl:value-of select="substring-before(concat($rest, '/'), '/')"/>
    </xsl:if>
  </xsl:template>

  <!-- A financial institution's identifier: BIC, else clearing member id. -->
  <xsl:template name="institution">
    <xsl:param name="fi"/>
    <xsl:choose>
      <xsl:when test="normalize-space($fi/c:BICFI)"><xsl:value-of select="normalize-space($fi/c:BICFI)"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space($fi/c:ClrSysMmbId/c:MmbId)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ============================================================ values -->

  <xsl:variable name="credit" select="$ntry/c:CdtDbtInd = 'CRDT'"/>
  <xsl:variable name="reversal" select="$ntry/c:RvslInd = 'true' or $ntry/c:RvslInd = '1'"/>
  <xsl:variable name="function">
    <xsl:choose>
      <xsl:when test="$credit and not($reversal)">9</xsl:when>
      <xsl:when test="not($credit) and $reversal">1</xsl:when>
    </xsl:choose>
  </xsl:variable>

  <xsl:variable name="id">
    <xsl:choose>
      <xsl:when test="normalize-space($tx/c:Refs/c:AcctSvcrRef)"><xsl:value-of select="normalize-space($tx/c:Refs/c:AcctSvcrRef)"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space($ntry/c:AcctSvcrRef)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Channel: the Tx's bank transaction code before the entry's (the Tx's
       comes later in document order). -->
  <xsl:variable name="bktx" select="$ntry/c:BkTxCd | $tx/c:BkTxCd"/>
  <xsl:variable name="prtry" select="normalize-space(($bktx/c:Prtry[normalize-space(c:Issr) = 'UNCL4461']/c:Cd)[last()])"/>
  <xsl:variable name="family" select="normalize-space(($bktx/c:Domn[c:Cd = 'PMNT']/c:Fmly/c:Cd)[last()])"/>
  <xsl:variable name="channel">
    <xsl:choose>
      <xsl:when test="$prtry != ''"><xsl:value-of select="$prtry"/></xsl:when>
      <xsl:when test="$family = 'RCDT'">30</xsl:when>
      <xsl:when test="$family = 'CCRD' or $family = 'MCRD'">48</xsl:when>
    </xsl:choose>
  </xsl:variable>

  <xsl:variable name="amt" select="($tx/c:Amt | $ntry[not($tx/c:Amt)]/c:Amt)[1]"/>

  <!-- Payment time, by preference; a date-time without offset gets +08:00. -->
  <xsl:variable name="when-raw">
    <xsl:choose>
      <xsl:when test="normalize-space($tx/c:RltdDts/c:TxDtTm)"><xsl:value-of select="$tx/c:RltdDts/c:TxDtTm"/></xsl:when>
      <xsl:when test="normalize-space($tx/c:RltdDts/c:AccptncDtTm)"><xsl:value-of select="$tx/c:RltdDts/c:AccptncDtTm"/></xsl:when>
      <xsl:when test="normalize-space($ntry/c:BookgDt/c:DtTm)"><xsl:value-of select="$ntry/c:BookgDt/c:DtTm"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$ntry/c:ValDt/c:DtTm"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="when">
    <xsl:variable name="v" select="normalize-space($when-raw)"/>
    <xsl:variable name="time" select="substring-after($v, 'T')"/>
    <xsl:choose>
      <xsl:when test="$v = ''"/>
      <xsl:when test="contains($time, 'Z') or contains($time, '+') or contains($time, '-')"><xsl:value-of select="$v"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="concat($v, '+08:00')"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Remittance information. -->
  <xsl:variable name="strd" select="$tx/c:RmtInf/c:Strd"/>
  <xsl:variable name="ustrd">
    <xsl:for-each select="$tx/c:RmtInf/c:Ustrd">
      <xsl:value-of select="concat(' ', normalize-space(), ' ')"/>
    </xsl:for-each>
  </xsl:variable>
  <xsl:variable name="pq">
    <xsl:variable name="s" select="normalize-space($strd/c:CdtrRefInf/c:Ref[normalize-space()])"/>
    <xsl:choose>
      <xsl:when test="$s != ''"><xsl:value-of select="$s"/></xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="codeword">
          <xsl:with-param name="text" select="$ustrd"/>
          <xsl:with-param name="code" select="'PQ'"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="declaration">
    <xsl:variable name="s" select="normalize-space($strd/c:RfrdDocInf[c:Tp/c:CdOrPrtry/c:Prtry = 'ABT']/c:Nb[normalize-space()])"/>
    <xsl:choose>
      <xsl:when test="$s != ''"><xsl:value-of select="$s"/></xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="codeword">
          <xsl:with-param name="text" select="$ustrd"/>
          <xsl:with-param name="code" select="'ABT'"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="lrn">
    <xsl:variable name="s" select="normalize-space($strd/c:RfrdDocInf[c:Tp/c:CdOrPrtry/c:Prtry = 'ABE']/c:Nb[normalize-space()])"/>
    <xsl:choose>
      <xsl:when test="$s != ''"><xsl:value-of select="$s"/></xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="codeword">
          <xsl:with-param name="text" select="$ustrd"/>
          <xsl:with-param name="code" select="'ABE'"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Bank and account. -->
  <xsl:variable name="account" select="normalize-space(($ntfctn/c:Acct/c:Id/c:IBAN | $ntfctn/c:Acct/c:Id/c:Othr/c:Id)[1])"/>
  <xsl:variable name="bank">
    <xsl:variable name="svcr">
      <xsl:call-template name="institution"><xsl:with-param name="fi" select="$ntfctn/c:Acct/c:Svcr/c:FinInstnId"/></xsl:call-template>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="string($svcr) != ''"><xsl:value-of select="$svcr"/></xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="institution"><xsl:with-param name="fi" select="$tx/c:RltdAgts/c:CdtrAgt/c:FinInstnId"/></xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Payer: the debtor party and its register number. -->
  <xsl:variable name="dbtr" select="$tx/c:RltdPties/c:Dbtr/c:Pty"/>
  <xsl:variable name="payer-id">
    <xsl:variable name="coded" select="$dbtr/c:Id/c:OrgId/c:Othr[c:SchmeNm/c:Cd = 'TXID']/c:Id
                                     | $dbtr/c:Id/c:PrvtId/c:Othr[c:SchmeNm/c:Cd = 'NIDN' or c:SchmeNm/c:Cd = 'TXID']/c:Id"/>
    <xsl:choose>
      <xsl:when test="$coded[normalize-space()]"><xsl:value-of select="normalize-space($coded[normalize-space()])"/></xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="normalize-space(($dbtr/c:Id/c:OrgId/c:Othr | $dbtr/c:Id/c:PrvtId/c:Othr)[not(c:SchmeNm)]/c:Id)"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="payer-name" select="normalize-space($dbtr/c:Nm)"/>

  <!-- ============================================================ checks -->

  <!-- Everything PAY requires that the document lacks, "; "-separated. -->
  <xsl:variable name="problems">
    <xsl:choose>
      <xsl:when test="count($entries) != 1">
        <xsl:value-of select="concat(count($entries), ' entries (Ntry), PAY confirms exactly one; ')"/>
      </xsl:when>
      <xsl:when test="count($txs) != 1">
        <xsl:value-of select="concat('the entry has ', count($txs), ' transactions (NtryDtls/TxDtls), PAY confirms exactly one; ')"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:if test="normalize-space($ntry/c:Sts/c:Cd) != 'BOOK'">
          <xsl:value-of select="concat('entry status Ntry/Sts is ', normalize-space($ntry/c:Sts), ', not BOOK (booked): no payment to confirm; ')"/>
        </xsl:if>
        <xsl:if test="string($function) = ''">
          <xsl:value-of select="concat('Ntry/CdtDbtInd ', $ntry/c:CdtDbtInd)"/>
          <xsl:if test="$reversal"> with RvslInd true</xsl:if>
          <xsl:text> is neither a credit nor the reversal of one (FunctionCode); </xsl:text>
        </xsl:if>
        <xsl:if test="$id = ''">missing Refs/AcctSvcrRef or Ntry/AcctSvcrRef (ID); </xsl:if>
        <xsl:choose>
          <xsl:when test="string($channel) != ''"/>
          <xsl:when test="$family != ''">
            <xsl:value-of select="concat('BkTxCd family ', $family, ' is not RCDT, CCRD or MCRD (MethodCode); ')"/>
          </xsl:when>
          <xsl:otherwise>missing BkTxCd Prtry/Cd of Issr UNCL4461 or Domn PMNT family (MethodCode); </xsl:otherwise>
        </xsl:choose>
        <xsl:choose>
          <xsl:when test="not($amt)">missing TxDtls/Amt or Ntry/Amt (PaymentAmount); </xsl:when>
          <xsl:when test="normalize-space($amt/@Ccy) = ''">missing Amt/@Ccy (PaymentAmount/@currencyID); </xsl:when>
        </xsl:choose>
        <xsl:if test="string($when) = ''">
          <xsl:text>missing RltdDts/TxDtTm or AccptncDtTm, BookgDt/DtTm or ValDt/DtTm (PaymentDateTime</xsl:text>
          <xsl:if test="$ntry/c:BookgDt/c:Dt | $ntry/c:ValDt/c:Dt">; the entry has dates only</xsl:if>
          <xsl:text>); </xsl:text>
        </xsl:if>
        <xsl:if test="string($pq) = ''">missing RmtInf Strd/CdtrRefInf/Ref or Ustrd /PQ/ (ReferenceID); </xsl:if>
        <xsl:if test="string($bank) = ''">missing Acct/Svcr or CdtrAgt FinInstnId BICFI or ClrSysMmbId (Bank/ReferenceID); </xsl:if>
        <xsl:if test="string($declaration) = ''">missing RmtInf Strd/RfrdDocInf Prtry ABT or Ustrd /ABT/ (Declaration/ID); </xsl:if>
        <xsl:if test="string($payer-id) = ''">missing RltdPties/Dbtr/Pty/Id OrgId or PrvtId Othr/Id (Payer/ID); </xsl:if>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- ============================================================ document -->

  <xsl:template match="/">
    <xsl:if test="not($doc)">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat('camt054-pay.xsl reads camt.054.001.08 (BkToCstmrDbtCdtNtfctn); this document is ',
                                     local-name(/*), ' in ', namespace-uri(/*))"/>
      </xsl:message>
    </xsl:if>
    <xsl:if test="number($message) != 1">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat('camt.054 ', $msgid, ': a notification is translated whole; there is no message ', $message)"/>
      </xsl:message>
    </xsl:if>
    <xsl:if test="string($problems) != ''">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat('camt.054 ', $msgid, ' cannot be translated to PAY: ',
                                     substring($problems, 1, string-length($problems) - 2))"/>
      </xsl:message>
    </xsl:if>
    <md:MetaData>
      <md:WCODataModelVersionCode>3.7</md:WCODataModelVersionCode>
      <md:WCOTypeName>PAY</md:WCOTypeName>
      <md:ResponsibleCountryCode>MN</md:ResponsibleCountryCode>
      <md:ResponsibleAgencyName>General Customs Administration of Mongolia</md:ResponsibleAgencyName>
      <md:AgencyAssignedCustomizationCode>MN</md:AgencyAssignedCustomizationCode>
      <md:AgencyAssignedCustomizationVersionCode>1.0</md:AgencyAssignedCustomizationVersionCode>
      <pay:Payment>
        <xsl:apply-templates select="$ntry" mode="provenance"/>
        <pay:FunctionCode><xsl:apply-templates select="$ntry/c:CdtDbtInd" mode="provenance"/><xsl:value-of select="$function"/></pay:FunctionCode>
        <pay:ID><xsl:apply-templates select="($tx/c:Refs/c:AcctSvcrRef[normalize-space()] | $ntry/c:AcctSvcrRef)[last()]" mode="provenance"/><xsl:value-of select="$id"/></pay:ID>
        <pay:MethodCode><xsl:apply-templates select="($bktx/c:Domn[c:Cd = 'PMNT']/c:Fmly/c:Cd)[last()]" mode="provenance"/><xsl:apply-templates select="($bktx/c:Prtry[normalize-space(c:Issr) = 'UNCL4461']/c:Cd)[last()]" mode="provenance"/><xsl:value-of select="$channel"/></pay:MethodCode>
        <pay:PaymentAmount currencyID="{normalize-space($amt/@Ccy)}"><xsl:apply-templates select="$amt" mode="provenance"/><xsl:value-of select="normalize-space($amt)"/></pay:PaymentAmount>
        <pay:PaymentDateTime><xsl:apply-templates select="$ntry/c:ValDt/c:DtTm" mode="provenance"/><xsl:apply-templates select="$ntry/c:BookgDt/c:DtTm[normalize-space()]" mode="provenance"/><xsl:apply-templates select="$tx/c:RltdDts/c:AccptncDtTm[normalize-space()]" mode="provenance"/><xsl:apply-templates select="$tx/c:RltdDts/c:TxDtTm[normalize-space()]" mode="provenance"/><xsl:value-of select="$when"/></pay:PaymentDateTime>
        <pay:ReferenceID><xsl:apply-templates select="$tx/c:RmtInf/c:Ustrd[contains(., '/PQ/')]" mode="provenance"/><xsl:apply-templates select="$strd/c:CdtrRefInf/c:Ref[normalize-space()]" mode="provenance"/><xsl:value-of select="$pq"/></pay:ReferenceID>
        <pay:Bank>
          <xsl:if test="$account != ''">
            <pay:ID><xsl:apply-templates select="($ntfctn/c:Acct/c:Id/c:IBAN | $ntfctn/c:Acct/c:Id/c:Othr/c:Id)[1]" mode="provenance"/><xsl:value-of select="$account"/></pay:ID>
          </xsl:if>
          <pay:ReferenceID><xsl:apply-templates select="($tx/c:RltdAgts/c:CdtrAgt/c:FinInstnId/c:BICFI[normalize-space()] | $tx/c:RltdAgts/c:CdtrAgt/c:FinInstnId/c:ClrSysMmbId/c:MmbId)[1]" mode="provenance"/><xsl:apply-templates select="($ntfctn/c:Acct/c:Svcr/c:FinInstnId/c:BICFI[normalize-space()] | $ntfctn/c:Acct/c:Svcr/c:FinInstnId/c:ClrSysMmbId/c:MmbId)[1]" mode="provenance"/><xsl:value-of select="$bank"/></pay:ReferenceID>
        </pay:Bank>
        <pay:Declaration>
          <xsl:if test="string($lrn) != ''">
            <pay:FunctionalReferenceID><xsl:apply-templates select="$tx/c:RmtInf/c:Ustrd[contains(., '/ABE/')]" mode="provenance"/><xsl:apply-templates select="$strd/c:RfrdDocInf[c:Tp/c:CdOrPrtry/c:Prtry = 'ABE']/c:Nb[normalize-space()]" mode="provenance"/><xsl:value-of select="$lrn"/></pay:FunctionalReferenceID>
          </xsl:if>
          <pay:ID><xsl:apply-templates select="$tx/c:RmtInf/c:Ustrd[contains(., '/ABT/')]" mode="provenance"/><xsl:apply-templates select="$strd/c:RfrdDocInf[c:Tp/c:CdOrPrtry/c:Prtry = 'ABT']/c:Nb[normalize-space()]" mode="provenance"/><xsl:value-of select="$declaration"/></pay:ID>
        </pay:Declaration>
        <pay:Payer>
          <pay:ID><xsl:apply-templates select="($dbtr/c:Id/c:OrgId/c:Othr | $dbtr/c:Id/c:PrvtId/c:Othr)[not(c:SchmeNm)]/c:Id" mode="provenance"/><xsl:apply-templates select="$dbtr/c:Id/c:OrgId/c:Othr[c:SchmeNm/c:Cd = 'TXID']/c:Id[normalize-space()] | $dbtr/c:Id/c:PrvtId/c:Othr[c:SchmeNm/c:Cd = 'NIDN' or c:SchmeNm/c:Cd = 'TXID']/c:Id[normalize-space()]" mode="provenance"/><xsl:value-of select="$payer-id"/></pay:ID>
          <xsl:if test="$payer-name != ''">
            <pay:Name><xsl:apply-templates select="$dbtr/c:Nm" mode="provenance"/><xsl:value-of select="$payer-name"/></pay:Name>
          </xsl:if>
        </pay:Payer>
      </pay:Payment>
    </md:MetaData>
  </xsl:template>

</xsl:stylesheet>
