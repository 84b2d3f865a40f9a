"use client";

import { useState, type ChangeEvent } from "react";
import { slugFromName } from "../schemas";

/** Name → slug is filled in as you type until you edit the slug yourself; `reset` starts over. */
export function useSlugFromName() {
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugTouched, setSlugTouched] = useState(false);
  return {
    name,
    slug,
    nameProps: {
      value: name,
      onChange: (e: ChangeEvent<HTMLInputElement>) => {
        setName(e.target.value);
        if (!slugTouched) setSlug(e.target.value.trim() ? slugFromName(e.target.value, "") : "");
      },
    },
    slugProps: {
      value: slug,
      onChange: (e: ChangeEvent<HTMLInputElement>) => {
        setSlug(e.target.value);
        setSlugTouched(true);
      },
    },
    reset: () => {
      setName("");
      setSlug("");
      setSlugTouched(false);
    },
  };
}
