-- The claim of due posts writes a lease (claimed_until, in no index) on each post it takes. With room left
-- on the post's page the new row version stays on that page and no index is touched (a heap-only update);
-- packed pages made every claim insert an entry into each of the posts table's nine indexes (~2,100
-- buffers for 64 posts, measured; ~800 with room). 30% of each new page is kept free for such updates.
-- Pages written before this keep their packing until the table is rewritten (VACUUM FULL, pg_repack);
-- the table's columns and indexes are unchanged.
ALTER TABLE social_media_posts SET (fillfactor = 70);
