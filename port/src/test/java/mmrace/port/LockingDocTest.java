package mmrace.port;

import mmrace.runtime.Atomic;
import mmrace.runtime.Page;
import mmrace.runtime.Ref;
import mmrace.runtime.Shared;
import mmrace.runtime.Word;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * docs/LOCKING.md's field tables against the port. Its tables for struct vm_area_struct, struct
 * mm_struct and the page tables say, per field, which Java field models it, whether the field may
 * be read in freed memory (the runtime's {@code Field.typesafe}: for VMAs, what an RCU reader may
 * read before vma_start_read succeeds, since the cache is SLAB_TYPESAFE_BY_RCU) and which lock a
 * store must hold for the port not to file a lockdep report ({@code VmAreaStruct.checkWrite}).
 *
 * <p>Each claim is tried on the port: every field is stored to (with the value it already holds)
 * on an attached VMA with no lock, with only mmap_lock held for writing, after vma_start_write,
 * and on a VMA not yet attached; the reports filed must be the ones the row's rule predicts. Every
 * field the port's structs declare must have a row, and every row must name a field that exists,
 * so that neither the document nor the port can change alone.
 */
class LockingDocTest {
    /** "Store checked by the port": reported unless mmap_lock is write-held and the VMA write-locked. */
    static final String VMA_WRITE = "VMA write";
    static final String NONE = "no";
    /** Not a field one stores to (a lock, a structure of its own), or not in the model. */
    static final String NA = "-";

    record Row(String kernel, String java, String readableFreed, String storeCheck, int line) {
        String where() {
            return "docs/LOCKING.md:" + line + " (" + kernel + ")";
        }
    }

    @Test
    void vmAreaStructRowsMatchThePort() throws Exception {
        List<Row> rows = table("### `struct vm_area_struct`");
        checkRows(rows, VmAreaStruct.class, true);
        MmFixture f = new MmFixture();
        VmAreaStruct a = f.fixedAnon(0x10000, P, RW, "A");
        for (Row r : rows) {
            if (r.java.equals(NA) || !(VmAreaStruct.class.getField(r.java).get(a) instanceof Shared))
                continue; // a model list (anon_vma_chain): checkRows asserted its "-" columns
            assertEquals(r.storeCheck, vmaStoreRule(f, a, r.java), r.where() + ": what a store to " + r.kernel + " needs in the port");
        }
    }

    @Test
    void mmStructRowsMatchThePort() throws Exception {
        List<Row> rows = table("### `struct mm_struct`");
        checkRows(rows, MmStruct.class, true);
        MmFixture f = new MmFixture();
        for (Row r : rows) {
            Object v = MmStruct.class.getField(r.java).get(f.mm);
            if (!storable(v))
                continue;
            f.k.reports.clear();
            storeSame((Shared) v);
            String rule = f.k.reports.isEmpty() ? NONE : "reported without any lock: " + f.k.reports.all();
            assertEquals(r.storeCheck, rule, r.where() + ": what a store to " + ((Shared) v).field + " needs in the port");
        }
    }

    @Test
    void pageTableRowsMatchThePort() throws Exception {
        List<Row> rows = table("### Page tables");
        checkRows(rows, Page.class, false);
        MmFixture f = new MmFixture();
        Page table = f.k.pages.allocTable("pte");
        for (Row r : rows) {
            Object v = javaField(Page.class, r.java).get(table);
            if (!(v instanceof Shared s) || s.field != Page.ENTRIES)
                continue;
            f.k.reports.clear();
            new Ptep(table, 7).set(0); // set_pte with no lock at all
            String rule = f.k.reports.isEmpty() ? NONE : "reported without any lock: " + f.k.reports.all();
            assertEquals(r.storeCheck, rule, r.where() + ": what a page-table store needs in the port");
        }
    }

    /**
     * Which rule the port applies to stores to the field {@code java} of the attached VMA {@code a}:
     * {@link #VMA_WRITE}, {@link #NONE}, or a description of whatever else it does.
     */
    static String vmaStoreRule(MmFixture f, VmAreaStruct a, String java) throws Exception {
        Shared s = (Shared) VmAreaStruct.class.getField(java).get(a);
        boolean noLock = reported(f, () -> storeSame(s));
        MmapLock.mmapWriteLock(f.mm);
        boolean mmapOnly = reported(f, () -> storeSame(s));
        MmapLock.vmaStartWrite(a);
        boolean vmaWrite = reported(f, () -> storeSame(s));
        MmapLock.mmapWriteUnlock(f.mm);
        VmAreaStruct detached = VmaInit.vmAreaAlloc(f.mm);
        Shared same = (Shared) VmAreaStruct.class.getField(java).get(detached);
        boolean unattached = reported(f, () -> storeSame(same));
        VmaInit.vmAreaFree(detached);
        f.k.reports.clear();
        if (noLock && mmapOnly && !vmaWrite && !unattached)
            return VMA_WRITE;
        if (!noLock && !mmapOnly && !vmaWrite && !unattached)
            return NONE;
        return "reported: no lock " + noLock + ", mmap write only " + mmapOnly + ", after vma_start_write " + vmaWrite
                + ", detached " + unattached;
    }

    static boolean reported(MmFixture f, Runnable store) {
        f.k.reports.clear();
        store.run();
        return !f.k.reports.isEmpty();
    }

    static boolean storable(Object v) {
        return v instanceof Word || v instanceof Ref || v instanceof Atomic;
    }

    /** A store of the value the field already holds: the check runs, the state stays. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void storeSame(Shared s) {
        if (s instanceof Word w)
            w.set(w.peek());
        else if (s instanceof Ref r)
            ((Ref) r).set(r.peek());
        else if (s instanceof Atomic x)
            x.set(x.peek());
        else
            throw new AssertionError(s + " is not a field one stores to");
    }

    /**
     * The rows against the class's declared fields: a row's Java field exists, names the kernel
     * field (struct tables), and is typesafe exactly when the row says it is readable in freed
     * memory; a field one cannot store to has "-" as its store rule; with {@code complete}, every
     * field of a runtime type (Word, Ref, Atomic, locks) has a row; no row without a Java field
     * names a field the port has.
     */
    static void checkRows(List<Row> rows, Class<?> cls, boolean complete) throws Exception {
        assertTrue(rows.size() > 0, "no rows for " + cls.getSimpleName());
        Object instance = instance(cls);
        Set<String> documented = new TreeSet<>();
        Map<String, String> portFieldNames = new LinkedHashMap<>();
        for (java.lang.reflect.Field jf : declared(cls)) {
            Object v = jf.get(instance);
            if (v instanceof Shared s)
                portFieldNames.put(s.field.name, jf.getName());
        }
        for (Row r : rows) {
            if (r.java.equals(NA)) {
                for (String k : r.kernel.split(",\\s*"))
                    assertTrue(!portFieldNames.containsKey(k.replace("`", "")),
                            r.where() + ": the port has " + k + " as " + portFieldNames.get(k.replace("`", "")) + "; name it in the Java column");
                assertEquals(NA, r.storeCheck, r.where() + ": a field the model does not have is not checked");
                continue;
            }
            documented.add(r.java);
            java.lang.reflect.Field jf = javaField(cls, r.java);
            Object v = jf.get(instance);
            if (v instanceof Shared s) {
                if (cls != Page.class)
                    assertEquals(r.kernel.replace("`", ""), s.field.name, r.where() + ": " + r.java + " is the port's " + s.field.name);
                assertEquals(s.field.typesafe ? "yes" : "no", r.readableFreed, r.where() + ": readable in freed memory");
                if (!storable(v) && s.field != Page.ENTRIES)
                    assertEquals(NA, r.storeCheck, r.where() + ": " + r.java + " is a lock, not a field one stores to");
            } else {
                assertEquals(NA, r.readableFreed, r.where() + ": " + r.java + " is not a runtime field");
                assertEquals(NA, r.storeCheck, r.where() + ": " + r.java + " is not a runtime field");
            }
        }
        if (complete)
            for (java.lang.reflect.Field jf : declared(cls))
                if (jf.get(instance) instanceof Shared && !documented.contains(jf.getName()))
                    fail("docs/LOCKING.md has no row for " + cls.getSimpleName() + "." + jf.getName());
    }

    static List<java.lang.reflect.Field> declared(Class<?> cls) {
        List<java.lang.reflect.Field> l = new ArrayList<>();
        for (java.lang.reflect.Field jf : cls.getDeclaredFields())
            if (!Modifier.isStatic(jf.getModifiers())) {
                jf.setAccessible(true);
                l.add(jf);
            }
        return l;
    }

    static java.lang.reflect.Field javaField(Class<?> cls, String name) {
        try {
            java.lang.reflect.Field jf = cls.getDeclaredField(name);
            jf.setAccessible(true);
            return jf;
        } catch (NoSuchFieldException e) {
            throw new AssertionError("docs/LOCKING.md names " + cls.getSimpleName() + "." + name + ", which does not exist");
        }
    }

    static Object instance(Class<?> cls) {
        MmFixture f = new MmFixture();
        if (cls == VmAreaStruct.class)
            return f.fixedAnon(0x10000, P, RW, "A");
        if (cls == MmStruct.class)
            return f.mm;
        return f.k.pages.allocTable("pte");
    }

    // ---------------------------------------------------------------- the document

    static Path locking() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("docs/LOCKING.md");
            if (Files.exists(p))
                return p;
        }
        throw new AssertionError("docs/LOCKING.md not found above " + Path.of("").toAbsolutePath());
    }

    /** The first table after the heading line {@code heading}, by its column names. */
    static List<Row> table(String heading) throws IOException {
        List<String> lines = Files.readAllLines(locking());
        int i = lines.indexOf(heading);
        assertTrue(i >= 0, "docs/LOCKING.md has no heading " + heading);
        while (i < lines.size() && !lines.get(i).startsWith("|"))
            i++;
        List<String> head = cells(lines.get(i));
        int field = head.indexOf("Field"), java = head.indexOf("Java"), freed = head.indexOf("Readable in freed memory"),
                store = head.indexOf("Store checked by the port");
        assertTrue(field >= 0 && java >= 0 && freed >= 0 && store >= 0, "columns of the table under " + heading + ": " + head);
        List<Row> rows = new ArrayList<>();
        for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            List<String> c = cells(lines.get(i));
            assertEquals(head.size(), c.size(), "docs/LOCKING.md:" + (i + 1) + ": cells");
            rows.add(new Row(c.get(field), c.get(java).replace("`", ""), c.get(freed), c.get(store), i + 1));
        }
        return rows;
    }

    static List<String> cells(String line) {
        String s = line.trim();
        s = s.substring(1, s.endsWith("|") ? s.length() - 1 : s.length());
        return Arrays.stream(s.split("\\|", -1)).map(String::trim).toList();
    }
}
