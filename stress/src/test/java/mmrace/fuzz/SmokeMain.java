package mmrace.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import mmrace.scenario.Variant;

/** Manual smoke run: java ... mmrace.fuzz.SmokeMain [seed] [feedback]. */
public final class SmokeMain {
    public static void main(String[] a) throws Exception {
        long seed = a.length > 0 ? Long.parseLong(a[0]) : 1;
        boolean fb = a.length <= 1 || Boolean.parseBoolean(a[1]);
        int jobs = a.length > 2 ? Integer.parseInt(a[2]) : 1;
        Path d = Files.createTempDirectory("fuzz");
        Campaign.Options o = Campaign.Options.of(List.of(Variant.FAST_V1)).withTime(Duration.ofSeconds(60)).withSeed(seed)
                .withCorpus(d).withStopOnForbidden(true).withFeedback(fb).withProgressEvery(Duration.ofSeconds(2))
                .withShrink(Minimize.Budget.SMALL).withJobs(jobs).withTargetClass(ToyTarget.class.getName());
        Campaign.Summary s = new Campaign(o, ToyTarget::new).run(p -> System.err.println(p.line()));
        System.out.print(s.text());
        try (var st = Files.walk(d)) {
            st.filter(Files::isRegularFile).forEach(p -> {
                System.out.println("== " + p);
                if (p.toString().contains("findings"))
                    try {
                        System.out.println(Files.readString(p));
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
            });
        }
    }
}
