/*
 * Santuario.java - the Apache Santuario (xml-security-java) side of the
 * interoperability tests: verifies a document Khaalga signed, and signs a
 * document for Khaalga to verify, the way a Java partner would.
 *
 *   java Santuario verify FILE ROOT.pem      exit 0 when the signature and the chain hold
 *   java Santuario sign FILE KEY.p8 CHAIN.pem OUT   enveloped, exclusive C14N, SHA-256
 */
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.apache.xml.security.Init;
import org.apache.xml.security.c14n.Canonicalizer;
import org.apache.xml.security.keys.content.X509Data;
import org.apache.xml.security.signature.XMLSignature;
import org.apache.xml.security.transforms.Transforms;
import org.apache.xml.security.utils.Constants;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public class Santuario {
    private static Document parse(String file) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        try (FileInputStream in = new FileInputStream(file)) {
            return dbf.newDocumentBuilder().parse(in);
        }
    }

    private static List<X509Certificate> certificates(String pem) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        try (FileInputStream in = new FileInputStream(pem)) {
            for (Object c : cf.generateCertificates(in))
                out.add((X509Certificate) c);
        }
        return out;
    }

    private static int verify(String file, String rootPem) throws Exception {
        Document doc = parse(file);
        NodeList sigs = doc.getElementsByTagNameNS(Constants.SignatureSpecNS, "Signature");
        if (sigs.getLength() != 1) {
            System.err.println(file + ": " + sigs.getLength() + " signatures");
            return 1;
        }
        XMLSignature sig = new XMLSignature((Element) sigs.item(0), "", true);
        X509Certificate signer = sig.getKeyInfo().getX509Certificate();
        if (signer == null || !sig.checkSignatureValue(signer)) {
            System.err.println(file + ": the signature does not verify");
            return 1;
        }
        // the chain: every certificate of X509Data, up to the given root
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(signer);
        for (int i = 0; i < sig.getKeyInfo().lengthX509Data(); i++) {
            X509Data data = sig.getKeyInfo().itemX509Data(i);
            for (int j = 0; j < data.lengthCertificate(); j++) {
                X509Certificate c = data.itemCertificate(j).getX509Certificate();
                if (!c.equals(signer))
                    chain.add(c);
            }
        }
        PKIXParameters params = new PKIXParameters(Collections.singleton(new TrustAnchor(certificates(rootPem).get(0), null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
        System.out.println(file + ": verified, signed by " + signer.getSubjectX500Principal());
        return 0;
    }

    private static int sign(String file, String keyDer, String chainPem, String out) throws Exception {
        Document doc = parse(file);
        List<X509Certificate> chain = certificates(chainPem);
        byte[] der = Files.readAllBytes(Paths.get(keyDer));
        boolean ec = chain.get(0).getPublicKey().getAlgorithm().equals("EC");
        PrivateKey key = KeyFactory.getInstance(ec ? "EC" : "RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        XMLSignature sig = new XMLSignature(doc, "",
                ec ? XMLSignature.ALGO_ID_SIGNATURE_ECDSA_SHA256 : XMLSignature.ALGO_ID_SIGNATURE_RSA_SHA256,
                Canonicalizer.ALGO_ID_C14N_EXCL_OMIT_COMMENTS);
        doc.getDocumentElement().appendChild(sig.getElement());
        Transforms transforms = new Transforms(doc);
        transforms.addTransform(Transforms.TRANSFORM_ENVELOPED_SIGNATURE);
        transforms.addTransform(Transforms.TRANSFORM_C14N_EXCL_OMIT_COMMENTS);
        sig.addDocument("", transforms, "http://www.w3.org/2001/04/xmlenc#sha256");
        X509Data data = new X509Data(doc);
        for (X509Certificate c : chain)
            data.addCertificate(c);
        sig.getKeyInfo().add(data);
        sig.sign(key);
        try (FileOutputStream o = new FileOutputStream(out)) {
            TransformerFactory.newInstance().newTransformer().transform(new DOMSource(doc), new StreamResult(o));
        }
        return 0;
    }

    public static void main(String[] args) throws Exception {
        Init.init();
        int rc;
        if (args.length == 2 + 1 && args[0].equals("verify"))
            rc = verify(args[1], args[2]);
        else if (args.length == 4 + 1 && args[0].equals("sign"))
            rc = sign(args[1], args[2], args[3], args[4]);
        else {
            System.err.println("usage: Santuario verify FILE ROOT.pem | sign FILE KEY.p8 CHAIN.pem OUT");
            rc = 2;
        }
        System.exit(rc);
    }
}
