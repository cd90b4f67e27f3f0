package mmrace.port;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import mmrace.runtime.Page;
import org.junit.jupiter.api.Test;

/**
 * A file's disk is page by page, a page of the fill byte with no array until written (so a 16 MiB
 * file costs nothing until touched): it reads as the fill everywhere, a page written back holds
 * what was written and the others do not change, and contents given as bytes are padded to a page.
 */
class FileDiskTest {
    @Test
    void uniformPagesUntilWritten() {
        File f = new File("f", 3 * Page.PAGE_SIZE, (byte) 'x');
        assertEquals(3, f.sizePages);
        byte[] got = new byte[10];
        f.readDisk(Page.PAGE_SIZE - 5, got, 0, 10);
        assertArrayEquals("xxxxxxxxxx".getBytes(), got);
        byte[] page = new byte[Page.PAGE_SIZE];
        java.util.Arrays.fill(page, (byte) 'y');
        f.writeDiskPage(1, page);
        f.readDisk(Page.PAGE_SIZE - 5, got, 0, 10);
        assertArrayEquals("xxxxxyyyyy".getBytes(), got);
        assertEquals('x', f.diskPage(2)[0]);
    }

    @Test
    void contentsArePaddedToAPage() {
        File g = new File("g", "abc".getBytes());
        assertEquals(1, g.sizePages);
        byte[] four = new byte[4];
        g.readDisk(0, four, 0, 4);
        assertArrayEquals(new byte[] {'a', 'b', 'c', 0}, four);
    }
}
