package mmrace.cli;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Locale;

/**
 * The gate's checks as JUnit XML, written with the JDK's StAX writer (javax.xml.stream), which
 * escapes text and attributes. A regression is a {@code <failure>}; a scenario the gate could not
 * judge (malformed, its set-up failed, its replay crashed) an {@code <error>}. Characters XML 1.0
 * cannot hold (control characters) are written as {@code \\uXXXX}.
 */
final class JunitXml {
    private JunitXml() {}

    static String write(List<GateCmd.Check> checks) {
        StringWriter sw = new StringWriter();
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(sw);
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.writeStartElement("testsuites");
            w.writeAttribute("name", "mmrace gate");
            counts(w, checks);
            for (String suite : checks.stream().map(GateCmd.Check::suite).distinct().toList()) {
                List<GateCmd.Check> cs = checks.stream().filter(c -> c.suite().equals(suite)).toList();
                w.writeCharacters("\n  ");
                w.writeStartElement("testsuite");
                w.writeAttribute("name", clean(suite));
                counts(w, cs);
                for (GateCmd.Check c : cs)
                    testcase(w, c);
                w.writeCharacters("\n  ");
                w.writeEndElement();
            }
            w.writeCharacters("\n");
            w.writeEndElement();
            w.writeCharacters("\n");
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write JUnit XML: " + e.getMessage(), e);
        }
        return sw.toString();
    }

    private static void counts(XMLStreamWriter w, List<GateCmd.Check> cs) throws XMLStreamException {
        w.writeAttribute("tests", String.valueOf(cs.size()));
        w.writeAttribute("failures", String.valueOf(cs.stream().filter(c -> !c.ok() && !c.error()).count()));
        w.writeAttribute("errors", String.valueOf(cs.stream().filter(GateCmd.Check::error).count()));
        w.writeAttribute("time", String.format(Locale.ROOT, "%.3f", cs.stream().mapToDouble(GateCmd.Check::seconds).sum()));
    }

    private static void testcase(XMLStreamWriter w, GateCmd.Check c) throws XMLStreamException {
        w.writeCharacters("\n    ");
        w.writeStartElement("testcase");
        w.writeAttribute("classname", clean(c.suite()));
        w.writeAttribute("name", clean(c.name()));
        w.writeAttribute("time", String.format(Locale.ROOT, "%.3f", c.seconds()));
        if (!c.ok()) {
            w.writeCharacters("\n      ");
            w.writeStartElement(c.error() ? "error" : "failure");
            w.writeAttribute("message", clean(c.failure()));
            w.writeAttribute("type", c.error() ? "cannot-replay" : "regression");
            w.writeCharacters(clean(c.failure()));
            w.writeEndElement();
            w.writeCharacters("\n    ");
        }
        w.writeEndElement();
    }

    /** Text with every character XML 1.0 cannot hold written as \\uXXXX. */
    static String clean(String s) {
        if (s == null)
            return "";
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                b.append(c).append(s.charAt(++i));
            } else if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0xD800) || (c >= 0xE000 && c <= 0xFFFD)) {
                b.append(c);
            } else {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        return b.toString();
    }
}
