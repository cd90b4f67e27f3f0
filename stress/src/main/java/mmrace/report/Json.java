package mmrace.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Path;

/** summary.json (and mutants.json) in and out, with Jackson. */
public final class Json {
    private Json() {}

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public static String write(Summary s) {
        try {
            return MAPPER.writeValueAsString(s) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a summary: " + e.getMessage(), e);
        }
    }

    /** Reads a summary; IOException (with Jackson's message: line and column) if it is not one. */
    public static Summary read(Path p) throws IOException {
        return MAPPER.readValue(p.toFile(), Summary.class);
    }

    public static Summary read(String text) throws IOException {
        return MAPPER.readValue(text, Summary.class);
    }

    /** mutants.json of {@code ./mmrace mutants}. */
    public static String write(MutationReport r) {
        try {
            return MAPPER.writeValueAsString(r) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a mutation report: " + e.getMessage(), e);
        }
    }

    /** Reads a mutation report; IOException (with Jackson's message) if it is not one. */
    public static MutationReport readMutation(Path p) throws IOException {
        return MAPPER.readValue(p.toFile(), MutationReport.class);
    }
}
