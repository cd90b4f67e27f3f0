package mmrace.run;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import mmrace.runtime.Kernel;

/**
 * Static constants, which a copy of a machine shares with the original instead of copying
 * ({@link Snapshot}): the values of static final fields. Code compares some of them by identity:
 * the port ({@code ops == VmOperations.DUMMY}, {@code MapleTree.Node.EMPTY}) and the JDK (the
 * sentinel {@code ImmutableCollections.EMPTY} that marks a one-element {@code List.of}), and a fresh
 * build shares them between machines anyway. Found for every class of the packages
 * {@code mmrace.runtime} and {@code mmrace.port} (listed next to {@link Kernel}'s class file, a
 * directory or a jar), and for every class an object of the graph belongs to, with its
 * superclasses and its nest host (the top-level class that declares such sentinels).
 */
final class Constants {
    private static final String[] PACKAGES = {"mmrace/runtime/", "mmrace/port/"};
    private static final Set<Object> VALUES = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private static final ClassValue<Boolean> SCANNED = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
                scan(k);
                scan(k.getNestHost());
            }
            return Boolean.TRUE;
        }
    };

    /** The port's classes, scanned on first use (class initialisation is the lock). */
    private static final class Port {
        static final boolean SCANNED_ALL = scanPort();
    }

    private Constants() {}

    static boolean is(Object o) {
        if (!Port.SCANNED_ALL)
            throw new IllegalStateException();
        SCANNED.get(o.getClass());
        return VALUES.contains(o);
    }

    private static void scan(Class<?> c) {
        for (Field f : c.getDeclaredFields()) {
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) || !Modifier.isFinal(m) || f.getType().isPrimitive())
                continue;
            Object v = Raw.staticValue(f);
            if (v != null)
                VALUES.add(v);
        }
    }

    private static boolean scanPort() {
        for (String name : portClassNames()) {
            Class<?> c;
            try {
                c = Class.forName(name, true, Kernel.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                continue;
            }
            scan(c);
        }
        return true;
    }

    private static Set<String> portClassNames() {
        URL u = Kernel.class.getResource("Kernel.class");
        if (u == null)
            throw new IllegalStateException("cannot locate mmrace/runtime/Kernel.class");
        Set<String> names = new java.util.HashSet<>();
        try {
            URI uri = u.toURI();
            if (uri.getScheme().equals("jar")) {
                try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
                    for (String p : PACKAGES)
                        list(fs.getPath("/" + p), p, names);
                }
            } else {
                Path root = Path.of(uri).getParent().getParent().getParent();
                for (String p : PACKAGES)
                    list(root.resolve(p), p, names);
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list the port's classes: " + e, e);
        }
        return names;
    }

    private static void list(Path dir, String pkg, Set<String> out) throws IOException {
        if (!Files.isDirectory(dir))
            return;
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class"))
                    .forEach(n -> out.add(pkg.replace('/', '.') + n.substring(0, n.length() - ".class".length())));
        }
    }
}
