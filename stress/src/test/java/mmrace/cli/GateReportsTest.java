package mmrace.cli;

import mmrace.scenario.Corpus;
import mmrace.run.Runner;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gate always reports. A corpus file it cannot judge (malformed; a layout the kernel refuses
 * at set-up; a replay that crashes because set-up filed a lockdep report or a Java exception
 * escaped) is a FAIL line naming the file with the command that replays it, and an error in the
 * JUnit XML, which is written in every case (also when the corpus directory is missing). The XML
 * is parsed back: names holding markup characters, quotes and non-ASCII text survive.
 */
class GateReportsTest {
    static final String ODD = "odd <&\"quote'd ü≠>.scn";

    /** Runs the gate over {@code dir} with the given replayer; returns exit status, stdout, stderr. */
    static String[] gate(Path dir, Path xml, GateCmd.Replayer replayer) {
        GateCmd g = new GateCmd();
        if (replayer != null)
            g.replayer = replayer;
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(g);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute("--no-jcstress", "--corpus", dir.toString(), "--junit-xml", xml.toString());
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    /** A corpus of one good scenario (the reviewers' race) under an awkward name. */
    static Path corpus() throws Exception {
        Path d = Files.createTempDirectory("gate-corpus");
        Files.copy(Corpus.dir().resolve("reviewers-race.scn"), d.resolve(ODD));
        return d;
    }

    static Document parse(Path xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
    }

    /** testcase name -> "failure"/"error"/"ok". */
    static List<String> cases(Document d) {
        List<String> l = new ArrayList<>();
        NodeList n = d.getElementsByTagName("testcase");
        for (int i = 0; i < n.getLength(); i++) {
            Element e = (Element) n.item(i);
            String kind = e.getElementsByTagName("failure").getLength() > 0 ? "failure" : e.getElementsByTagName("error").getLength() > 0 ? "error" : "ok";
            l.add(e.getAttribute("name") + " " + kind);
        }
        return l;
    }

    @Test
    void aMalformedFileIsAFailLineAndAnErrorInTheXml() throws Exception {
        Path d = corpus(), xml = d.resolve("gate.xml");
        Files.writeString(d.resolve("bad.scn"), "mmrace-scenario 1\nname bad\nmap A 0x10000\n");
        String[] r = gate(d, xml, null);
        assertEquals("2", r[0], "nothing regressed, but a file could not be judged: " + r[1] + r[2]);
        assertTrue(r[1].contains("FAIL " + d.resolve("bad.scn") + ":3: expected 'map NAME ADDR LEN PROT"), r[1]);
        assertTrue(r[1].contains("replay: ./mmrace run " + d.resolve("bad.scn")), r[1]);
        Document x = parse(xml);
        assertTrue(cases(x).contains(d.resolve("bad.scn") + " error"), cases(x).toString());
        assertTrue(cases(x).contains(d.resolve(ODD) + " [fast-v1] ok"), "the other file is still checked, its name intact: " + cases(x));
        Element suite = (Element) x.getElementsByTagName("testsuite").item(0);
        assertEquals("1", suite.getAttribute("errors"));
        assertEquals("0", suite.getAttribute("failures"));
        assertTrue(x.getElementsByTagName("error").item(0).getTextContent().contains("replay: ./mmrace run " + d.resolve("bad.scn")));
    }

    @Test
    void aLayoutTheKernelRefusesAtSetUpIsAFailLine() throws Exception {
        Path d = corpus(), xml = d.resolve("gate.xml");
        // mmap refuses a grows-down device mapping (-EINVAL): the scenario's layout cannot be set up
        Files.writeString(d.resolve("setup.scn"), """
                mmrace-scenario 1
                name setup-refused
                map A 0x10000 0x2000 rw growsdown device fill=a

                actor reader
                  read 0x10000 8 FOLL_FORCE

                expect slow acceptable
                """);
        String[] r = gate(d, xml, null);
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("FAIL " + d.resolve("setup.scn") + " slow: cannot be replayed: " + d.resolve("setup.scn")
                + ":3: set-up mmap of A failed"), r[1]);
        assertTrue(r[1].contains("replay: ./mmrace run " + d.resolve("setup.scn") + " --variant slow --trace"), r[1]);
        assertTrue(cases(parse(xml)).contains(d.resolve("setup.scn") + " [slow] error"));
    }

    @Test
    void aReplayThatCrashesIsAFailLineNotAStackTraceAndAnInternalError() throws Exception {
        Path d = corpus(), xml = d.resolve("gate.xml");
        // what the replay does when set-up files a lockdep report, or when a Java exception escapes
        GateCmd.Replayer crashes = (s, v) -> switch (v) {
            case FAST_V1 -> throw new IllegalStateException("set-up of A filed reports: [LOCKDEP: bad unlock balance detected]");
            case SLOW -> throw new NullPointerException("vma is null");
            default -> new GateCmd.Replay(Runner.run(s, v, false).verdict(), null);
        };
        String[] r = gate(d, xml, crashes);
        assertEquals("70", r[0], "a crash is an internal error, never a verdict: " + r[1] + r[2]);
        assertFalse(r[2].contains("\tat "), "the stack trace goes to a file, not to stderr: " + r[2]);
        assertTrue(r[2].contains("internal error (a bug in mmrace, not a verdict): java.lang.NullPointerException: vma is null; stack trace in "), r[2]);
        Path f = d.resolve(ODD);
        assertTrue(r[1].contains("FAIL " + f + " fast-v1: cannot be replayed: java.lang.IllegalStateException: set-up of A filed reports: "
                + "[LOCKDEP: bad unlock balance detected]; replay: ./mmrace run " + f + " --variant fast-v1 --trace"), r[1]);
        assertTrue(r[1].contains("FAIL " + f + " slow: cannot be replayed: java.lang.NullPointerException: vma is null; replay: ./mmrace run "
                + f + " --variant slow --trace"), r[1]);
        assertTrue(r[1].contains("gate: 7 checks, 2 failed"), "every variant was still checked: " + r[1]);
        List<String> c = cases(parse(xml));
        assertTrue(c.contains(f + " [fast-v1] error") && c.contains(f + " [slow] error") && c.contains(f + " [fast-one-vma] ok"), c.toString());
        String msg = ((Element) parse(xml).getElementsByTagName("error").item(0)).getAttribute("message");
        assertTrue(msg.contains(ODD), "the message keeps the name as it is: " + msg);
    }

    @Test
    void aRegressionNextToAnUnjudgedFileStillExits1() throws Exception {
        Path d = corpus(), xml = d.resolve("gate.xml");
        Files.writeString(d.resolve("bad.scn"), "not a scenario\n");
        // the tear of fast-v1 recorded in the file no longer shows: a regression
        String[] r = gate(d, xml, (s, v) -> new GateCmd.Replay(v == mmrace.scenario.Variant.FAST_V1 ? mmrace.oracle.Verdict.acceptable(1)
                : Runner.run(s, v, false).verdict(), null));
        assertEquals("1", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("fast-v1: expected forbidden torn-read, got acceptable"), r[1]);
        Element suite = (Element) parse(xml).getElementsByTagName("testsuite").item(0);
        assertEquals("1", suite.getAttribute("failures"));
        assertEquals("1", suite.getAttribute("errors"));
    }

    @Test
    void aMissingCorpusDirectoryStillWritesTheXml() throws Exception {
        Path d = Files.createTempDirectory("gate"), xml = d.resolve("gate.xml");
        String[] r = gate(d.resolve("nope"), xml, null);
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("nope: no such directory"), r[2]);
        assertEquals(List.of(d.resolve("nope") + " error"), cases(parse(xml)));
    }

    @Test
    void controlCharactersAreWrittenAsEscapesAndTheXmlStillParses() throws Exception {
        Path d = Files.createTempDirectory("gate"), xml = d.resolve("gate.xml");
        String name = "a\u0001b <&\"ü\uD83D\uDC27";
        Scenarios.writeAtomically(xml, JunitXml.write(List.of(new GateCmd.Check("corpus", name, false, 0.5, name + " failed"),
                new GateCmd.Check("jcstress", "x", true, 1, null))));
        Document x = parse(xml);
        Element tc = (Element) x.getElementsByTagName("testcase").item(0);
        assertEquals("a\\u0001b <&\"ü\uD83D\uDC27", tc.getAttribute("name"));
        assertEquals("a\\u0001b <&\"ü\uD83D\uDC27 failed", x.getElementsByTagName("failure").item(0).getTextContent());
        assertEquals("2", ((Element) x.getElementsByTagName("testsuites").item(0)).getAttribute("tests"));
        assertFalse(Files.readString(xml).contains("\u0001"));
    }
}
